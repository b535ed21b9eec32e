"""Importing a CSV file: read it as it streams, map each order's rows (or each customer's row) to
bulk records, and feed them to the bulk ingestor, which stores them in batches through the
orders and customers services (upserts by the platform's ids: a file imported twice changes
nothing).

By default a file with a bad row imports nothing: once a row is refused the rest is still read
and checked (so the report lists every bad row) but no longer written, and the caller rolls the
transaction back. With ``skip_bad_rows`` the good rows are stored, batch by batch."""

from __future__ import annotations

import csv
from collections.abc import Callable, Generator, Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from lojal.errors import ValidationFailed
from lojal.ingest.bulk import DEFAULT_BATCH_SIZE, BulkIngestor, BulkReport, LineError
from lojal.models import Shop
from lojal.transfer import repository
from lojal.transfer.csv_source import SAMPLE_BYTES, Dialect, detect, read_rows
from lojal.transfer.formats import FORMATS
from lojal.transfer.formats.base import Context, Record, Refused, check_columns, records
from lojal.transfer.reader import ROWS_PER_CALL, Mapped, read_in_process, worth_a_process

CUSTOMER_BATCH = 1000


@dataclass
class ImportOptions:
    skip_bad_rows: bool = False
    encoding: str | None = None
    delimiter: str | None = None
    decimal_comma: bool | None = None
    batch_size: int = DEFAULT_BATCH_SIZE


@dataclass
class ImportReport:
    what: str
    format: str
    dialect: Dialect
    rows: int
    imported: bool
    unchanged: int
    bulk: BulkReport

    @property
    def message(self) -> str:
        if not self.imported:
            return (f"{self.bulk.failed} bad row(s): nothing was imported (fix them, or import the good rows "
                    f"with --skip-bad-rows / skip_bad_rows=true)")
        counts = ", ".join(f"{count} {kind}(s)" for kind, count in sorted(self.bulk.counts.items())) or "nothing new"
        skipped = f"; {self.bulk.failed} bad row(s) skipped" if self.bulk.failed else ""
        return f"imported {counts} from {self.rows} row(s){skipped}"

    def as_dict(self) -> dict[str, Any]:
        bulk = self.bulk.as_dict()
        return {"what": self.what, "format": self.format, "imported": self.imported, "message": self.message,
                "rows": self.rows, "encoding": self.dialect.encoding.replace("utf-8-sig", "utf-8"),
                "delimiter": self.dialect.delimiter, "decimal_comma": self.dialect.decimal_comma,
                "records": bulk["received"], "stored": bulk["succeeded"] if self.imported else 0,
                "unchanged": self.unchanged, "failed": bulk["failed"], "counts": bulk["counts"] if self.imported else {},
                "errors": bulk["errors"], "errors_not_listed": bulk["errors_not_listed"]}


class _ImportIngestor(BulkIngestor):
    """The bulk ingestor that stops writing once a refused row means the file is not imported."""

    discarding = False

    def flush(self) -> None:
        if self.discarding:
            self.pending = []
            return
        super().flush()


def _file_format(what: str, format_name: str) -> Any:
    file_format = FORMATS.get(what, {}).get(format_name)
    if file_format is None:
        known = ", ".join(FORMATS.get(what, {})) or "none"
        raise ValidationFailed(f"unknown {what} format {format_name!r} (known: {known})", field="format")
    return file_format


def check_header(sample: bytes, what: str, format_name: str, options: ImportOptions) -> Dialect:
    """Refuse at once (before a long import is queued) a file whose first line lacks the format's
    columns, or an unknown format or encoding; the file's dialect."""
    file_format = _file_format(what, format_name)
    dialect = detect(sample, encoding=options.encoding, delimiter=options.delimiter,
                     decimal_comma=options.decimal_comma)
    first_line = sample.decode(dialect.encoding, errors="replace").lstrip("\ufeff").splitlines()[:1]
    header = next(csv.reader(first_line, delimiter=dialect.delimiter), None)
    if not header:
        raise ValidationFailed("the file is empty", field="file")
    check_columns([name.strip() for name in header], file_format.required, f"{format_name} {what}")
    return dialect


def import_file(session: Session, shop: Shop, what: str, format_name: str, source: BinaryIO,
                options: ImportOptions, *, after_batch: Callable[[], None] | None = None,
                on_bytes: Callable[[int], None] | None = None,
                on_rows: Callable[[int], None] | None = None, check_only: bool = False,
                pipelined: bool = False, reader_process: bool | None = None) -> ImportReport:
    """Import ``source`` (a seekable binary file). ``after_batch`` (the edge's commit) is called
    after each stored batch when ``skip_bad_rows``; otherwise nothing is committed here and the
    caller commits when ``report.imported``, or rolls back. ``on_rows`` hears the rows read so far
    (every ``ROWS_PER_CALL`` rows and at the end). With ``check_only`` every row is read, mapped and
    validated and nothing is written (``report.imported``: the file has no bad rows). ``pipelined``
    stores a batch in a writer thread while the next is read (orders and events; customers are
    compared with the stored ones as they are read, so they are not): the caller must not use the
    session until this returns. ``reader_process``: read and map the rows in a second process
    (``transfer.reader``); by default orders files of several megabytes are, on more than one core."""
    file_format = _file_format(what, format_name)
    sample = source.read(SAMPLE_BYTES)
    source.seek(0)
    dialect = detect(sample, encoding=options.encoding, delimiter=options.delimiter,
                     decimal_comma=options.decimal_comma)
    context = Context(shop.currency, ZoneInfo(shop.timezone), dialect.decimal_comma)
    ingestor = _ImportIngestor(session, shop, batch_size=options.batch_size,
                               after_batch=after_batch if options.skip_bad_rows and not check_only else None,
                               pipelined=pipelined and what != "customers" and not check_only)
    ingestor.discarding = check_only
    counter = _RowCounter(on_rows)
    customers = _CustomerFilter(session, shop.id) if what == "customers" and not check_only else None
    name = f"{format_name} {what}"
    if reader_process is None:  # customers are compared with the stored ones as Python values: read here
        reader_process = what != "customers" and worth_a_process(source)
    items: Iterator[Record | Refused | Mapped]
    if reader_process:
        items = read_in_process(source, what, format_name, dialect, context, name, counter.seen, on_bytes)
    else:
        items = records(counter.count(read_rows(source, dialect, on_bytes)), file_format, context, name)
    try:
        for item in items:
            if isinstance(item, Mapped):
                if not ingestor.discarding or check_only:
                    ingestor.feed_json(item.line, item.kind, item.external_id, item.raw)
                else:
                    ingestor.pass_over()
            elif isinstance(item, Refused):
                ingestor.refuse(LineError(item.line, item.kind, item.external_id, item.field, item.message))
            elif customers is not None and not ingestor.discarding:
                customers.add(item, ingestor)
            elif not ingestor.discarding or check_only:
                ingestor.feed_record(item.line, item.data)
            else:
                ingestor.pass_over()
            if ingestor.report.failed and not options.skip_bad_rows:
                ingestor.discarding = True
        if customers is not None and not ingestor.discarding:
            customers.flush(ingestor)
        report = ingestor.finish()
    except BaseException:  # a file that cannot be read on, or the caller gone: stop the reader and the writer
        if isinstance(items, Generator):
            items.close()
        with suppress(Exception):  # the error to report is the one that stopped the import
            ingestor.close()
        raise
    counter.done()
    imported = (options.skip_bad_rows and not check_only) or report.failed == 0
    unchanged = customers.unchanged if customers is not None else 0
    return ImportReport(what, format_name, dialect, counter.rows, imported, unchanged, report)


class _RowCounter:
    def __init__(self, on_rows: Callable[[int], None] | None = None) -> None:
        self.rows = 0
        self.on_rows = on_rows

    def count(self, rows: Any) -> Any:
        if self.on_rows is None:
            for item in rows:
                self.rows += 1
                yield item
            return
        for item in rows:
            self.rows += 1
            if self.rows % ROWS_PER_CALL == 0:
                self.on_rows(self.rows)
            yield item

    def seen(self, rows: int) -> None:
        """The rows read so far, as counted elsewhere (the reader process)."""
        self.rows = rows
        if self.on_rows is not None:
            self.on_rows(rows)

    def done(self) -> None:
        if self.on_rows is not None:
            self.on_rows(self.rows)


class _CustomerFilter:
    """Leaves out customers whose row holds nothing new, so importing the same customers file
    again writes nothing (not even a new consent time)."""

    def __init__(self, session: Session, shop_id: int) -> None:
        self.session, self.shop_id = session, shop_id
        self.pending: list[Record] = []
        self.unchanged = 0

    def add(self, item: Record, ingestor: BulkIngestor) -> None:
        self.pending.append(item)
        if len(self.pending) >= CUSTOMER_BATCH:
            self.flush(ingestor)

    def flush(self, ingestor: BulkIngestor) -> None:
        pending, self.pending = self.pending, []
        stored = repository.stored_customers(self.session, self.shop_id,
                                             [item.data["external_id"] for item in pending if item.data.get("external_id")])
        for item in pending:
            row = stored.get(item.data.get("external_id"))
            if row is not None and _holds_nothing_new(item.data, row):
                self.unchanged += 1
                ingestor.pass_over()
                continue
            ingestor.feed_record(item.line, dict(item.data))


def _holds_nothing_new(data: dict[str, Any], row: Any) -> bool:
    for name, value in data.items():
        if name in ("type", "external_id"):
            continue
        stored = getattr(row, name)
        if name in ("email_consent", "sms_consent"):
            at = value.get("at")
            if stored != value["granted"] or getattr(row, f"{name}_source") != value.get("source"):
                return False
            if at is not None and getattr(row, f"{name}_at") != at:
                return False
        elif name == "interests":
            if sorted(set(stored or [])) != sorted(set(value)):
                return False
        elif stored != value:
            return False
    return True
