"""Reading and mapping a large CSV file in a second process, so that decoding, parsing and
mapping its rows (a third of an import's time in one process) run beside the validation and the
database writes instead of taking turns with them on Python's lock.

The importing process starts ``python -m lojal.transfer.reader``, writes one JSON line describing
the file (format, dialect, the shop's currency and time zone) and then the file's bytes to the
child's stdin from a thread, and reads back one line per message:

- ``D\\t[line, kind, external_id]\\t{record without "type"}``: a mapped record, validated by the
  importer straight from its JSON (``BulkIngestor.feed_json``);
- ``R\\t[line, kind, external_id, field, message]``: a refused row or order;
- ``P\\t[rows, bytes]``: rows and bytes read so far (every ``ROWS_PER_CALL`` rows and at the end);
- ``E\\t{"message", "field"}``: the file cannot be read on (what ``read_rows`` or
  ``check_columns`` raise in one process), after everything before it;
- ``X\\t"traceback"``: the child failed unexpectedly.

Every message comes in file order, so the report is the one a single process gives. Both pipes
are bounded, so memory stays flat whatever the file's size. JSON never holds a raw tab or line
feed, so the framing needs no escaping."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, BinaryIO
from zoneinfo import ZoneInfo

import orjson

from lojal.errors import ValidationFailed
from lojal.transfer.csv_source import Dialect, read_rows
from lojal.transfer.formats import FORMATS
from lojal.transfer.formats.base import Context, Refused, records

try:
    import fcntl
except ImportError:  # not on Windows: worth_a_process says no there
    fcntl = None  # type: ignore[assignment]

ROWS_PER_CALL = 500
CHUNK = 1024 * 1024
MIN_BYTES = 4 * 1024 * 1024
"""Files from this size are read in a second process (on a machine with more than one core);
below it, starting the process (about 0.2 s) costs more than it saves."""
AHEAD = 16
"""Pieces of ``CHUNK`` bytes the child may be ahead of the importer (about 17,000 orders of a
Shopify export: the child goes on while the importer writes a batch)."""


class Mapped:
    """A record the child mapped: its JSON, validated by the importer."""

    __slots__ = ("external_id", "kind", "line", "raw")

    def __init__(self, line: int, kind: str, external_id: str | None, raw: bytes) -> None:
        self.line, self.kind, self.external_id, self.raw = line, kind, external_id, raw


def worth_a_process(source: BinaryIO) -> bool:
    """Whether reading ``source`` (seekable) in a second process pays: a large file and a second core."""
    if (os.cpu_count() or 1) < 2 or fcntl is None:
        return False
    position = source.tell()
    size = source.seek(0, os.SEEK_END)
    source.seek(position)
    return size - position >= MIN_BYTES


def read_in_process(source: BinaryIO, what: str, format_name: str, dialect: Dialect, context: Context, name: str,
                    on_rows: Callable[[int], None], on_bytes: Callable[[int], None] | None,
                    ) -> Iterator[Mapped | Refused]:
    """What ``records(read_rows(source))`` yields, read and mapped by a child process; ``on_rows``
    and ``on_bytes`` hear the rows and bytes read so far."""
    job = {"what": what, "format": format_name, "encoding": dialect.encoding, "delimiter": dialect.delimiter,
           "decimal_comma": dialect.decimal_comma, "currency": context.currency, "zone": str(context.zone),
           "name": name}
    environment = dict(os.environ)
    source_root = str(Path(__file__).resolve().parents[2])  # lojal importable whatever the working directory
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, (source_root, environment.get("PYTHONPATH"))))
    errors = tempfile.TemporaryFile()  # not a pipe: a child writing much there must not wait for us
    child = subprocess.Popen([sys.executable, "-m", "lojal.transfer.reader"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=errors, env=environment, bufsize=CHUNK)
    assert child.stdin is not None and child.stdout is not None
    feeder = threading.Thread(target=_feed, args=(child.stdin, orjson.dumps(job) + b"\n", source),
                              name="lojal-import-feed", daemon=True)
    feeder.start()
    drained: queue.Queue[bytes] = queue.Queue(maxsize=AHEAD)
    drainer = threading.Thread(target=_drain, args=(child.stdout, drained), name="lojal-import-drain", daemon=True)
    drainer.start()
    finished = False
    try:
        for message in _lines(drained):
            tag = message[:1]
            if tag == b"D":
                _, meta, raw = message.split(b"\t", 2)
                line, kind, external_id = orjson.loads(meta)
                yield Mapped(line, kind, external_id, raw)
            elif tag == b"R":
                yield Refused(*orjson.loads(message[2:]))
            elif tag == b"P":
                rows, read = orjson.loads(message[2:])
                on_rows(rows)
                if on_bytes is not None:
                    on_bytes(read)
            elif tag == b"E":
                error = orjson.loads(message[2:])
                raise ValidationFailed(error["message"], field=error["field"])
            elif tag == b"X":
                raise RuntimeError(f"the CSV reader process failed:\n{orjson.loads(message[2:])}")
        finished = True
    finally:
        if not finished:
            child.kill()
            while drainer.is_alive():  # let the drainer see the end of the pipe
                try:
                    drained.get(timeout=0.1)
                except queue.Empty:
                    pass
        drainer.join()
        child.stdout.close()
        code = child.wait()
        feeder.join()
        errors.seek(0)
        stderr = errors.read()[-4000:]
        errors.close()
    if code != 0:
        raise RuntimeError(f"the CSV reader process ended with {code}: {stderr.decode(errors='replace')[-2000:]}")


def _drain(stdout: IO[bytes], drained: queue.Queue[bytes]) -> None:
    """Move the child's output into the queue in large pieces (the pipe holds 64 kB: without this
    the child would wait whenever the importer writes a batch, and the two would take turns)."""
    descriptor = stdout.fileno()
    _widen(descriptor)
    while chunk := os.read(descriptor, CHUNK):
        drained.put(chunk)
    drained.put(b"")


def _widen(descriptor: int) -> None:
    """Make the pipe hold ``CHUNK`` bytes where the system allows it (Linux): each read then
    takes up to a megabyte. With 64 kB per read the drainer, waiting for Python's lock after each
    read while the importer validates, moved only some 13 MB/s."""
    if fcntl is not None and hasattr(fcntl, "F_SETPIPE_SZ"):
        try:
            fcntl.fcntl(descriptor, fcntl.F_SETPIPE_SZ, CHUNK)
        except OSError:  # above /proc/sys/fs/pipe-max-size: keep the default
            pass


def _lines(drained: queue.Queue[bytes]) -> Iterator[bytes]:
    rest = b""
    while chunk := drained.get():
        *complete, rest = (rest + chunk).split(b"\n")
        yield from complete
    if rest:
        yield rest


def _feed(stdin: IO[bytes], job: bytes, source: BinaryIO) -> None:
    try:
        stdin.write(job)
        while chunk := source.read(CHUNK):
            stdin.write(chunk)
    except (BrokenPipeError, ValueError):  # the child stopped reading (a refused file, or it was stopped)
        pass
    finally:
        try:
            stdin.close()
        except (BrokenPipeError, ValueError):
            pass


def _child() -> None:
    """The child: read the job line, then the file from stdin; write messages to stdout."""
    stdin, out = sys.stdin.buffer, sys.stdout.buffer
    job = orjson.loads(stdin.readline())
    dialect = Dialect(job["encoding"], job["delimiter"], job["decimal_comma"])
    context = Context(job["currency"], ZoneInfo(job["zone"]), job["decimal_comma"])
    read = [0]
    rows = 0

    def on_bytes(count: int) -> None:
        read[0] = count

    def counted(source: Iterator[tuple[int, dict[str, str]]]) -> Iterator[tuple[int, dict[str, str]]]:
        nonlocal rows
        for item in source:
            rows += 1
            if rows % ROWS_PER_CALL == 0:
                out.write(b"P\t" + orjson.dumps([rows, read[0]]) + b"\n")
            yield item

    try:
        for item in records(counted(read_rows(stdin, dialect, on_bytes)), FORMATS[job["what"]][job["format"]],
                            context, job["name"]):
            if isinstance(item, Refused):
                out.write(b"R\t" + orjson.dumps([item.line, item.kind, item.external_id, item.field, item.message])
                          + b"\n")
                continue
            data = item.data
            kind = data.pop("type")
            external_id = data.get("external_id")
            out.write(b"D\t" + orjson.dumps([item.line, kind, external_id if isinstance(external_id, str) else None])
                      + b"\t" + orjson.dumps(data) + b"\n")
        out.write(b"P\t" + orjson.dumps([rows, read[0]]) + b"\n")
    except ValidationFailed as error:
        out.write(b"P\t" + orjson.dumps([rows, read[0]]) + b"\n")
        out.write(b"E\t" + orjson.dumps({"message": error.message, "field": error.field}) + b"\n")
    except Exception:  # noqa: BLE001 - reported to the importer, which raises it
        out.write(b"X\t" + orjson.dumps(traceback.format_exc()) + b"\n")
    out.flush()


if __name__ == "__main__":
    _child()
