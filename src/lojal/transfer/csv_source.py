"""Reading a CSV file as a stream of (line number, row) with its dialect found out: the encoding
(UTF-8 with or without a byte order mark, or Windows-1252 as Excel saves it), the separator
(``,``, ``;`` or tab) and whether amounts carry decimal commas (Norwegian Excel: ``1 234,50``).

Nothing is read whole: the file is decoded and parsed as it streams, so memory stays flat."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from lojal.errors import ValidationFailed

SAMPLE_BYTES = 64 * 1024
EXTRA = "\x00extra"
NUL_CELL = "\x00nul"
"""Set on a row that holds a NUL character: the name of the first column holding one."""
SEPARATORS = (",", ";", "\t")
ENCODINGS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "utf-8-sig": "utf-8-sig", "windows-1252": "cp1252",
             "cp1252": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "iso-8859-1": "cp1252"}
csv.field_size_limit(10 * 1024 * 1024)


@dataclass(frozen=True)
class Dialect:
    encoding: str
    """``utf-8-sig`` (also reads UTF-8 without a BOM) or ``cp1252``."""
    delimiter: str
    decimal_comma: bool


class _CountingReader(io.RawIOBase):
    """A binary stream that reports how many bytes were read (for the progress bar)."""

    def __init__(self, source: BinaryIO, on_bytes: Callable[[int], None] | None) -> None:
        self.source, self.on_bytes, self.read_so_far = source, on_bytes, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.source.read(len(buffer))
        count = len(data)
        buffer[:count] = data
        self.read_so_far += count
        if self.on_bytes is not None and count:
            self.on_bytes(self.read_so_far)
        return count


def detect(sample: bytes, *, encoding: str | None = None, delimiter: str | None = None,
           decimal_comma: bool | None = None) -> Dialect:
    """The dialect of a file from its first bytes; what is given wins over what is detected."""
    if encoding is not None:
        chosen = ENCODINGS.get(encoding.strip().lower())
        if chosen is None:
            raise ValidationFailed(f"unknown encoding {encoding!r}: use utf-8 or windows-1252", field="encoding")
    elif sample.startswith(codecs.BOM_UTF8):
        chosen = "utf-8-sig"
    else:
        chosen = "utf-8-sig" if _is_utf8(sample) else "cp1252"
    header = sample.decode(chosen, errors="replace").lstrip("\ufeff").splitlines()[0] if sample.strip() else ""
    if delimiter is not None:
        if delimiter == "\\t":
            delimiter = "\t"
        if len(delimiter) != 1:
            raise ValidationFailed("the separator is one character, e.g. ';' or ','", field="delimiter")
        separator = delimiter
    else:
        separator = max(SEPARATORS, key=lambda candidate: _count_outside_quotes(header, candidate))
    return Dialect(chosen, separator, separator == ";" if decimal_comma is None else decimal_comma)


def _is_utf8(sample: bytes) -> bool:
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as error:
        return error.start >= len(sample) - 3  # a character cut at the end of the sample


def _count_outside_quotes(line: str, separator: str) -> int:
    count, quoted = 0, False
    for character in line:
        if character == '"':
            quoted = not quoted
        elif character == separator and not quoted:
            count += 1
    return count


def read_rows(source: BinaryIO, dialect: Dialect,
              on_bytes: Callable[[int], None] | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number where the row starts, {column: value}) for each data row; blank rows skipped.
    Column names are stripped; a row with more cells than the header is refused by the caller."""
    text = io.TextIOWrapper(io.BufferedReader(_CountingReader(source, on_bytes), 1024 * 1024),
                            encoding=dialect.encoding, newline="")
    reader = csv.reader(text, delimiter=dialect.delimiter)
    try:
        header = next(reader, None)
        if header is None:
            raise ValidationFailed("the file is empty", field="file")
        columns = [name.strip().lstrip("\ufeff") for name in header]
        previous_end = reader.line_num
        width = len(columns)
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not (cells and cells[0].strip()) and not "".join(cells).strip():
                continue
            row = dict(zip(columns, cells, strict=False))
            if len(cells) > width:
                row[EXTRA] = str(len(cells) - width)
            if "\x00" in "".join(cells):  # PostgreSQL cannot store it: the caller refuses the row
                row[NUL_CELL] = next(name for name, cell in zip(columns, cells, strict=False) if "\x00" in cell)
            yield start, row
    except UnicodeDecodeError as error:
        raise ValidationFailed(f"the file is not {dialect.encoding.replace('-sig', '')} after line {reader.line_num} "
                               f"(give the encoding, e.g. windows-1252)", field="encoding") from error
    except csv.Error as error:
        raise ValidationFailed(f"line {reader.line_num}: {error}", field="file") from error
