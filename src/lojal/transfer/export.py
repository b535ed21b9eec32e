"""Exports: a shop's customers (with their aggregates and consents), orders, order lines and
behaviour events, as CSV, NDJSON or Parquet, written as they are read, in constant memory.

Two paths give the same bytes:

* the generic path (NDJSON, Parquet, events, and CSV with ``use_copy=False``): one query in id
  order read with the driver's own cursor in chunks of ``CHUNK_SIZE`` rows (a server-side cursor
  on PostgreSQL), each chunk formatted column by column (only the columns that need it: times,
  yes/no, lists, amounts) and written with ``csv.writer.writerows``;
* CSV of customers, orders and order lines is made by the database itself. On PostgreSQL:
  ``COPY (SELECT ...) TO STDOUT (FORMAT csv, HEADER)`` with the same formatting done in SQL
  (repository.copy_sql), streamed in blocks. On SQLite: a SELECT that writes each row's line
  (sqlite_csv.select_sql), checked a chunk at a time; the few lines it cannot write exactly (a
  text field that needs quoting, a value not in the stored form Lojal writes) are written by the
  generic path's formatter. tests/transfer/test_export_paths.py and test_export_csv_bytes.py pin
  the bytes of both paths.

Amounts come twice: in minor units (``total_spent_minor``: 12990) and as a decimal string in the
shop's currency (``total_spent``: ``129.90``). Times are ISO 8601 in UTC (``...Z``). The columns are
documented in docs/export.md; change them there too."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import repeat
from typing import Any, BinaryIO

import orjson
from sqlalchemy.orm import Session

from lojal.errors import ValidationFailed
from lojal.kit.money import minor_digits
from lojal.models import Shop
from lojal.transfer import repository, sqlite_csv

CHUNK_SIZE = 5000
MOSTLY_INEXACT = 0.5
"""On SQLite, a chunk with more than this share of rows its SELECT could not write exactly (text
that needs quoting, say) sends the rest of the export to the generic path: for such data the
SELECT is work done twice (at worst 1.6x the generic path's time)."""
COPY_BLOCK = 256 * 1024
"""Bytes of COPY output gathered before a block is written (or sent)."""
KINDS = ("customers", "orders", "order-lines", "events")
FORMATS = ("csv", "ndjson", "parquet")
COPY_KINDS = ("customers", "orders", "order-lines")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson", "parquet": "application/vnd.apache.parquet"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    """str, int, bool, datetime, date, list (of strings), json (an object), money (the decimal
    string of an amount in minor units) or constant (``source`` is the value)."""
    source: str
    """The selected column it is made from (repository.export_query), or a constant's value."""


def _field(name: str, kind: str = "str") -> Column:
    return Column(name, kind, name)


def _money(name: str) -> list[Column]:
    return [Column(f"{name}_minor", "int", name), Column(name, "money", name)]


def decimal_string(minor: int | None, digits: int) -> str | None:
    """12990 with 2 digits as "129.90", exactly (no floats)."""
    if minor is None:
        return None
    if digits == 0:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**digits)
    return f"{sign}{whole}.{fraction:0{digits}d}"


def customer_columns(currency: str) -> list[Column]:
    names = [("id", "int"), ("external_id", "str"), ("email", "str"), ("phone", "str"), ("first_name", "str"),
             ("last_name", "str"), ("locale", "str"), ("birth_date", "date"), ("country", "str"),
             ("company_name", "str"), ("customer_group", "str"), ("interests", "list"),
             ("email_consent", "bool"), ("email_consent_at", "datetime"), ("email_consent_source", "str"),
             ("sms_consent", "bool"), ("sms_consent_at", "datetime"), ("sms_consent_source", "str"),
             ("is_guest", "bool"), ("created_at", "datetime"), ("updated_at", "datetime"),
             ("order_count", "int"), ("first_order_at", "datetime"), ("last_order_at", "datetime")]
    return ([_field(name, kind) for name, kind in names] + _money("total_spent") + _money("average_order_value")
            + [Column("currency", "constant", currency)])


def order_columns(currency: str) -> list[Column]:
    head = [_field("id", "int"), _field("external_id"), _field("order_number"), _field("customer_id", "int"),
            _field("customer_external_id"), _field("email"), _field("placed_at", "datetime"), _field("status"),
            _field("currency")]
    amounts = [column for name in ("subtotal", "discount_total", "shipping_total", "tax_total") for column in _money(name)]
    tail = [_field("taxes_included", "bool"), *_money("total"), *_money("refunded_total"), *_money("net_total"),
            _field("discount_codes", "list"), _field("paid_at", "datetime"), _field("fulfilled_at", "datetime"),
            _field("cancelled_at", "datetime"), _field("source"), _field("created_at", "datetime"),
            _field("updated_at", "datetime")]
    return head + amounts + tail


def line_columns(currency: str) -> list[Column]:
    return [_field("id", "int"), _field("order_id", "int"), _field("order_external_id"), _field("external_id"),
            _field("position", "int"), _field("product_external_id"), _field("variant_external_id"), _field("sku"),
            _field("name"), _field("quantity", "int"), *_money("unit_price"), *_money("discount"),
            *_money("total"), _field("refunded_quantity", "int"), *_money("refunded_amount"), _field("currency")]


def event_columns(currency: str) -> list[Column]:
    return [_field("id", "int"), _field("external_id"), _field("customer_id", "int"), _field("customer_external_id"),
            _field("type"), _field("name"), _field("occurred_at", "datetime"), _field("properties", "json"),
            _field("cart", "json"), _field("recovery_url"), _field("created_at", "datetime")]


SPECS: dict[str, Callable[[str], list[Column]]] = {
    "customers": customer_columns, "orders": order_columns, "order-lines": line_columns, "events": event_columns,
}


def check(kind: str, file_format: str, *, streaming: bool = False) -> None:
    if kind not in SPECS:
        raise ValidationFailed(f"unknown export {kind!r} (one of {', '.join(KINDS)})", field="kind")
    allowed = ("csv", "ndjson") if streaming else FORMATS
    if file_format not in allowed:
        raise ValidationFailed(f"unknown format {file_format!r} (one of {', '.join(allowed)})", field="format")


def columns_of(kind: str, shop: Shop) -> list[Column]:
    return SPECS[kind](shop.currency)


def _sources(columns: list[Column]) -> list[str]:
    return list(dict.fromkeys(column.source for column in columns if column.type != "constant"))


def chunks(session: Session, shop: Shop, kind: str,
           chunk_size: int = CHUNK_SIZE) -> tuple[list[Column], list[str], Iterator[list[tuple[Any, ...]]]]:
    """The export's columns, the names of the selected source columns, and the rows as the driver
    gives them, chunk by chunk, in id order."""
    columns = columns_of(kind, shop)
    sources = _sources(columns)
    query = repository.export_query(kind, shop.id, sources)
    return columns, sources, repository.raw_chunks(session, query, chunk_size)


# ---- values as the driver gives them, formatted column by column ----------------------------


def _utc_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.utcoffset():
        value = value.astimezone(UTC)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text + "Z"


def _sqlite_utc_text(value: str | None) -> str | None:
    """SQLite keeps UTC times as ``2026-03-14 17:22:05.000000`` (SQLAlchemy's storage format)."""
    if value is None:
        return None
    if len(value) == 26 and value[19] == ".":
        return f"{value[:10]}T{value[11:19]}Z" if value.endswith("000000") else f"{value[:10]}T{value[11:]}Z"
    moment = datetime.fromisoformat(value)
    return _utc_text(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _loaded(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _joined(value: Any) -> str | None:
    value = _loaded(value)
    return ", ".join(value) if value else None


def _json_text(value: Any) -> str | None:
    value = _loaded(value)
    return None if value is None else orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _money_text(digits: int) -> Callable[[Any], str | None]:
    scale = 10**digits

    def text(minor: int | None) -> str | None:
        if minor is None:
            return None
        if digits == 0:
            return str(minor)
        if minor < 0:
            whole, fraction = divmod(-minor, scale)
            return f"-{whole}.{fraction:0{digits}d}"
        whole, fraction = divmod(minor, scale)
        return f"{whole}.{fraction:0{digits}d}"

    return text


_YES_NO = {True: "true", False: "false", None: None}.get  # 1 and 0 (SQLite) are True and False as keys
_BOOLEAN = {True: True, False: False, None: None}.get


def _none_or(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else function(value)


def _text_converter(column_type: str, sqlite: bool, digits: int) -> Callable[[Any], Any] | None:
    """How a column's driver value becomes its CSV text (None: as it is)."""
    if column_type == "datetime":
        return _sqlite_utc_text if sqlite else _utc_text
    if column_type == "bool":
        return _YES_NO
    if column_type == "date":
        return None if sqlite else _none_or(date.isoformat)
    if column_type == "list":
        return _joined
    if column_type == "json":
        return _json_text
    if column_type == "money":
        return _money_text(digits)
    return None


def _json_converter(column_type: str, sqlite: bool, digits: int) -> Callable[[Any], Any] | None:
    """How a column's driver value becomes its JSON value (None: as it is)."""
    if column_type in ("datetime", "money"):
        return _text_converter(column_type, sqlite, digits)
    if column_type == "bool":
        return _BOOLEAN if sqlite else None
    if column_type == "date":
        return None if sqlite else _none_or(date.isoformat)
    if column_type in ("list", "json"):
        return _loaded if sqlite else None
    return None


def _python_converter(column_type: str, sqlite: bool, digits: int) -> Callable[[Any], Any] | None:
    """How a column's driver value becomes the Python value Parquet takes (None: as it is)."""
    if column_type == "datetime":
        if sqlite:
            return _none_or(lambda text: datetime.fromisoformat(text).replace(tzinfo=UTC))
        return None
    if column_type == "date":
        return _none_or(date.fromisoformat) if sqlite else None
    if column_type == "json":
        return _json_text
    if column_type in ("bool", "list", "money"):
        return _json_converter(column_type, sqlite, digits)
    return None


Converter = Callable[[str, bool, int], Callable[[Any], Any] | None]


def _formatter(columns: list[Column], sources: list[str], sqlite: bool, digits: int,
               converter: Converter) -> Callable[[list[tuple[Any, ...]]], list[Sequence[Any]]]:
    """A function from a chunk of driver rows to the export's columns (each a sequence of values)."""
    plan: list[tuple[int, Callable[[Any], Any] | None, Any]] = []
    for column in columns:
        if column.type == "constant":
            plan.append((-1, None, column.source))
        else:
            plan.append((sources.index(column.source), converter(column.type, sqlite, digits), None))

    def format_chunk(rows: list[tuple[Any, ...]]) -> list[Sequence[Any]]:
        by_source = list(zip(*rows, strict=True))
        return [repeat(constant, len(rows)) if index < 0 else  # type: ignore[misc]
                (by_source[index] if convert is None else list(map(convert, by_source[index])))
                for index, convert, constant in plan]

    return format_chunk


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


# ---- CSV --------------------------------------------------------------------------------------


def _csv_text(rows: Any) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    text = buffer.getvalue()
    if "\r" in text:
        text = _csv_text_with_carriage_returns(rows)
    return text


def _csv_text_with_carriage_returns(rows: Any) -> str:
    """Python's csv (3.11) quotes a value with a carriage return only when the line ends hold one
    (as PostgreSQL's COPY always does): write each row with CRLF, then end it with LF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    lines = []
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        lines.append(buffer.getvalue()[:-2] + "\n")
    return "".join(lines)


def csv_chunks(session: Session, shop: Shop, kind: str, on_rows: Callable[[int], None] | None = None,
               *, use_copy: bool = True) -> Iterator[bytes]:
    """UTF-8 CSV with a header row and LF line ends, in blocks of bytes. ``use_copy``: let the
    database write the lines (COPY on PostgreSQL, sqlite_csv on SQLite) where it can."""
    if use_copy and kind in COPY_KINDS and _copy_available(session):
        yield from _copy_chunks(session, shop, kind, on_rows)
        return
    if use_copy and _is_sqlite(session) and sqlite_csv.supports([column.type for column in columns_of(kind, shop)]):
        yield from _sqlite_lines(session, shop, kind, on_rows)
        return
    columns, sources, rows = chunks(session, shop, kind)
    yield _csv_text([[column.name for column in columns]]).encode()
    yield from _python_blocks(session, shop, columns, sources, rows, on_rows)


def _python_blocks(session: Session, shop: Shop, columns: list[Column], sources: list[str],
                   rows: Iterator[list[tuple[Any, ...]]], on_rows: Callable[[int], None] | None,
                   total: int = 0) -> Iterator[bytes]:
    """The generic path's CSV, one block per chunk of driver rows (``total``: rows written before)."""
    format_chunk = _formatter(columns, sources, _is_sqlite(session), minor_digits(shop.currency), _text_converter)
    for chunk in rows:
        if not chunk:
            continue
        yield _csv_text(list(zip(*format_chunk(chunk), strict=True))).encode()
        total += len(chunk)
        if on_rows is not None:
            on_rows(total)


def _copy_available(session: Session) -> bool:
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return False
    driver_connection = connection.connection.dbapi_connection
    return getattr(getattr(driver_connection, "info", None), "encoding", "") in ("utf-8", "utf8")


def _copy_chunks(session: Session, shop: Shop, kind: str, on_rows: Callable[[int], None] | None) -> Iterator[bytes]:
    """PostgreSQL's COPY output gathered into blocks of about ``COPY_BLOCK`` bytes."""
    columns = [(column.name, column.type, column.source) for column in columns_of(kind, shop)]
    sql = repository.copy_sql(kind, shop.id, columns, minor_digits(shop.currency))
    block: list[Any] = []
    size = lines = 0
    for data in repository.copy_out(session, sql):
        block.append(data)  # a buffer of its own (psycopg copies each row out of libpq)
        size += len(data)
        lines += 1
        if size >= COPY_BLOCK:
            yield b"".join(block)
            block, size = [], 0
            if on_rows is not None:
                on_rows(lines - 1)
    if block:
        yield b"".join(block)
    if on_rows is not None:
        on_rows(max(lines - 1, 0))


def _sqlite_lines(session: Session, shop: Shop, kind: str, on_rows: Callable[[int], None] | None) -> Iterator[bytes]:
    """The lines SQLite writes (sqlite_csv), a chunk of ``CHUNK_SIZE`` rows per block; a chunk
    whose counts do not add up has its inexact lines written by the generic formatter, and after a
    chunk of mostly such lines (``MOSTLY_INEXACT``) the generic path writes the rest."""
    columns = columns_of(kind, shop)
    sources = _sources(columns)
    query = repository.export_query(kind, shop.id, sources)
    spec = [(column.name, column.type, column.source) for column in columns]
    yield _csv_text([[column.name for column in columns]]).encode()
    total = 0
    blocks = sqlite_csv.line_chunks(session, query, spec, minor_digits(shop.currency), CHUNK_SIZE)
    try:
        for rows in blocks:
            block = sqlite_csv.exact_block(rows)
            inexact: set[int] = set()
            if block is None:
                inexact = set(sqlite_csv.inexact_ids(rows))
                redone = _python_lines(session, shop, kind, columns, sources, sorted(inexact))
                block = b"".join([redone[row_id] if row_id in inexact else line + b"\n" for line, _, row_id in rows])
            yield block
            total += len(rows)
            if on_rows is not None:
                on_rows(total)
            if len(inexact) > MOSTLY_INEXACT * len(rows):
                blocks.close()
                rest = sqlite_csv.rows_after(session, query, rows[-1][2], CHUNK_SIZE)
                yield from _python_blocks(session, shop, columns, sources, rest, on_rows, total)
                return
    finally:
        blocks.close()  # its cursor, at once when a client goes away mid-stream


def _python_lines(session: Session, shop: Shop, kind: str, columns: list[Column], sources: list[str],
                  ids: list[int]) -> dict[int, bytes]:
    """The CSV lines (with their line ends) of these rows of SQLite, by id, as the generic path
    writes them."""
    rows = sqlite_csv.rows_by_id(session, repository.export_query(kind, shop.id, sources), ids)
    if not rows:
        return {}
    format_chunk = _formatter(columns, sources, True, minor_digits(shop.currency), _text_converter)
    id_position = sources.index("id")
    return {raw[id_position]: _csv_text([row]).encode()
            for raw, row in zip(rows, zip(*format_chunk(rows), strict=True), strict=True)}


# ---- NDJSON and Parquet -----------------------------------------------------------------------


def ndjson_chunks(session: Session, shop: Shop, kind: str,
                  on_rows: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """One JSON object per line, one block of bytes per chunk of rows."""
    columns, sources, rows = chunks(session, shop, kind)
    format_chunk = _formatter(columns, sources, _is_sqlite(session), minor_digits(shop.currency), _json_converter)
    names = [column.name for column in columns]
    dumps = orjson.dumps
    total = 0
    for chunk in rows:
        if not chunk:
            continue
        yield b"\n".join([dumps(dict(zip(names, row, strict=True))) for row in zip(*format_chunk(chunk), strict=True)]) + b"\n"
        total += len(chunk)
        if on_rows is not None:
            on_rows(total)


def write_parquet(session: Session, shop: Shop, kind: str, target: BinaryIO | str,
                  on_rows: Callable[[int], None] | None = None) -> int:
    """Parquet (zstd), one row group per chunk, written as the chunks come."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns, sources, rows = chunks(session, shop, kind)
    format_chunk = _formatter(columns, sources, _is_sqlite(session), minor_digits(shop.currency), _python_converter)
    types = {"str": pa.string(), "int": pa.int64(), "bool": pa.bool_(), "datetime": pa.timestamp("us", tz="UTC"),
             "date": pa.date32(), "list": pa.list_(pa.string()), "json": pa.string(), "money": pa.string(),
             "constant": pa.string()}
    schema = pa.schema([pa.field(column.name, types[column.type]) for column in columns])
    total = 0
    with pq.ParquetWriter(target, schema, compression="zstd") as writer:
        for chunk in rows:
            if not chunk:
                continue
            arrays = [pa.array(list(values), type=schema.field(index).type)
                      for index, values in enumerate(format_chunk(chunk))]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            total += len(chunk)
            if on_rows is not None:
                on_rows(total)
    return total


# ---- the edges' entry points ------------------------------------------------------------------


def export(session: Session, shop: Shop, kind: str, file_format: str, target: BinaryIO,
           on_rows: Callable[[int], None] | None = None, *, use_copy: bool = True) -> int:
    """Write the export to ``target``; the number of rows written."""
    check(kind, file_format)
    counted = _Counter(on_rows)
    if file_format == "parquet":
        return write_parquet(session, shop, kind, target, counted)
    if file_format == "csv":
        blocks = csv_chunks(session, shop, kind, counted, use_copy=use_copy)
    else:
        blocks = ndjson_chunks(session, shop, kind, counted)
    target.writelines(blocks)
    return counted.total


class _Counter:
    def __init__(self, on_rows: Callable[[int], None] | None) -> None:
        self.on_rows, self.total = on_rows, 0

    def __call__(self, total: int) -> None:
        self.total = total
        if self.on_rows is not None:
            self.on_rows(total)


def stream(session: Session, shop: Shop, kind: str, file_format: str) -> Iterator[bytes]:
    check(kind, file_format, streaming=True)
    if file_format == "csv":
        return csv_chunks(session, shop, kind)
    return ndjson_chunks(session, shop, kind)
