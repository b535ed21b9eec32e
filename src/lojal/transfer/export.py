"""Exports: a shop's customers (with their aggregates and consents), orders, order lines and
behaviour events, read in keyset pages of ``PAGE_SIZE`` rows and written as they are read, as CSV,
NDJSON or Parquet (one row group per page). Memory holds one page, however large the shop.

Amounts come twice: in minor units (``total_spent_minor``: 12990) and as a decimal string in the
shop's currency (``total_spent``: ``129.90``). Times are ISO 8601 in UTC (``...Z``). The columns are
documented in docs/export.md; change them there too."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any, BinaryIO

import orjson
from sqlalchemy.orm import Session

from lojal.errors import ValidationFailed
from lojal.kit.money import minor_digits
from lojal.models import Shop
from lojal.transfer import repository

PAGE_SIZE = 5000
KINDS = ("customers", "orders", "order-lines", "events")
FORMATS = ("csv", "ndjson", "parquet")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson", "parquet": "application/vnd.apache.parquet"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    """str, int, bool, datetime, date, list (of strings) or json (an object)."""
    value: Callable[[Any], Any]


def _field(name: str, kind: str = "str", source: str | None = None) -> Column:
    return Column(name, kind, attrgetter(source or name))


def _money(name: str, digits: int, source: str | None = None) -> list[Column]:
    get = attrgetter(source or name)
    return [Column(f"{name}_minor", "int", get), Column(name, "str", lambda row: decimal_string(get(row), digits))]


def decimal_string(minor: int | None, digits: int) -> str | None:
    """12990 with 2 digits as "129.90", exactly (no floats)."""
    if minor is None:
        return None
    if digits == 0:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**digits)
    return f"{sign}{whole}.{fraction:0{digits}d}"


def customer_columns(digits: int, currency: str) -> list[Column]:
    names = [("id", "int"), ("external_id", "str"), ("email", "str"), ("phone", "str"), ("first_name", "str"),
             ("last_name", "str"), ("locale", "str"), ("birth_date", "date"), ("country", "str"),
             ("company_name", "str"), ("customer_group", "str"), ("interests", "list"),
             ("email_consent", "bool"), ("email_consent_at", "datetime"), ("email_consent_source", "str"),
             ("sms_consent", "bool"), ("sms_consent_at", "datetime"), ("sms_consent_source", "str"),
             ("is_guest", "bool"), ("created_at", "datetime"), ("updated_at", "datetime"),
             ("order_count", "int"), ("first_order_at", "datetime"), ("last_order_at", "datetime")]
    return ([_field(name, kind) for name, kind in names] + _money("total_spent", digits)
            + _money("average_order_value", digits) + [Column("currency", "str", lambda row: currency)])


def order_columns(digits: int, currency: str) -> list[Column]:
    head = [_field("id", "int"), _field("external_id"), _field("order_number"), _field("customer_id", "int"),
            _field("customer_external_id"), _field("email"), _field("placed_at", "datetime"), _field("status"),
            _field("currency")]
    amounts = [column for name in ("subtotal", "discount_total", "shipping_total", "tax_total") for column in _money(name, digits)]
    tail = [_field("taxes_included", "bool"), *_money("total", digits), *_money("refunded_total", digits),
            Column("net_total_minor", "int", lambda row: row.total - row.refunded_total),
            Column("net_total", "str", lambda row: decimal_string(row.total - row.refunded_total, digits)),
            _field("discount_codes", "list"), _field("paid_at", "datetime"), _field("fulfilled_at", "datetime"),
            _field("cancelled_at", "datetime"), _field("source"), _field("created_at", "datetime"),
            _field("updated_at", "datetime")]
    return head + amounts + tail


def line_columns(digits: int, currency: str) -> list[Column]:
    return [_field("id", "int"), _field("order_id", "int"), _field("order_external_id"), _field("external_id"),
            _field("position", "int"), _field("product_external_id"), _field("variant_external_id"), _field("sku"),
            _field("name"), _field("quantity", "int"), *_money("unit_price", digits), *_money("discount", digits),
            *_money("total", digits), _field("refunded_quantity", "int"), *_money("refunded_amount", digits),
            _field("currency")]


def event_columns(digits: int, currency: str) -> list[Column]:
    return [_field("id", "int"), _field("external_id"), _field("customer_id", "int"), _field("customer_external_id"),
            _field("type"), _field("name"), _field("occurred_at", "datetime"), _field("properties", "json"),
            _field("cart", "json"), _field("recovery_url"), _field("created_at", "datetime")]


SPECS: dict[str, tuple[Callable[[int, str], list[Column]], Callable[[Session, int, int, int], list[Any]]]] = {
    "customers": (customer_columns, repository.customer_page),
    "orders": (order_columns, repository.order_page),
    "order-lines": (line_columns, repository.line_page),
    "events": (event_columns, repository.event_page),
}


def check(kind: str, file_format: str, *, streaming: bool = False) -> None:
    if kind not in SPECS:
        raise ValidationFailed(f"unknown export {kind!r} (one of {', '.join(KINDS)})", field="kind")
    allowed = ("csv", "ndjson") if streaming else FORMATS
    if file_format not in allowed:
        raise ValidationFailed(f"unknown format {file_format!r} (one of {', '.join(allowed)})", field="format")


def pages(session: Session, shop: Shop, kind: str, page_size: int = PAGE_SIZE) -> tuple[list[Column], Iterator[list[Any]]]:
    """The export's columns and its rows, page by page, in id order."""
    make_columns, fetch = SPECS[kind]
    columns = make_columns(minor_digits(shop.currency), shop.currency)

    def rows() -> Iterator[list[Any]]:
        after = 0
        while True:
            page = fetch(session, shop.id, after, page_size)
            if not page:
                return
            yield page
            after = page[-1].id

    return columns, rows()


def _utc(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _csv_cell(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == "datetime":
        return _utc(value)
    if kind == "bool":
        return "true" if value else "false"
    if kind == "list":
        return ", ".join(value)
    if kind == "json":
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    if kind == "date":
        return value.isoformat()
    return value


def csv_chunks(columns: list[Column], row_pages: Iterator[list[Any]]) -> Iterator[bytes]:
    """UTF-8 CSV with a header row, one chunk of bytes per page."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.name for column in columns])
    plain = {"str", "int"}
    cells = [(column.value, None if column.type in plain else column.type) for column in columns]
    for page in row_pages:
        writer.writerows([[value(row) if kind is None else _csv_cell(value(row), kind) for value, kind in cells]
                          for row in page])
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def _json_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        return _utc(value)
    if kind == "date":
        return value.isoformat()
    return value


def ndjson_chunks(columns: list[Column], row_pages: Iterator[list[Any]]) -> Iterator[bytes]:
    """One JSON object per line, one chunk of bytes per page."""
    names = [column.name for column in columns]
    for page in row_pages:
        yield b"".join(orjson.dumps(dict(zip(names, [_json_value(column.value(row), column.type)
                                                     for column in columns], strict=True))) + b"\n"
                       for row in page)


def write_parquet(columns: list[Column], row_pages: Iterator[list[Any]], target: BinaryIO | str) -> None:
    """Parquet (zstd), one row group per page, written as the pages come."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"str": pa.string(), "int": pa.int64(), "bool": pa.bool_(), "datetime": pa.timestamp("us", tz="UTC"),
             "date": pa.date32(), "list": pa.list_(pa.string()), "json": pa.string()}
    schema = pa.schema([pa.field(column.name, types[column.type]) for column in columns])
    with pq.ParquetWriter(target, schema, compression="zstd") as writer:
        for page in row_pages:
            data = {column.name: [_parquet_value(column.value(row), column.type) for row in page] for column in columns}
            writer.write_table(pa.Table.from_pydict(data, schema=schema))


def _parquet_value(value: Any, kind: str) -> Any:
    if kind == "json" and value is not None:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    return value


def export(session: Session, shop: Shop, kind: str, file_format: str, target: BinaryIO,
           on_rows: Callable[[int], None] | None = None) -> int:
    """Write the export to ``target``; the number of rows written."""
    check(kind, file_format)
    columns, row_pages = pages(session, shop, kind)
    counted = _counting(row_pages, on_rows)
    if file_format == "parquet":
        write_parquet(columns, counted, target)
    else:
        for chunk in (csv_chunks if file_format == "csv" else ndjson_chunks)(columns, counted):
            target.write(chunk)
    return counted.total  # type: ignore[attr-defined]


class _counting:  # noqa: N801 - an iterator used like a generator
    def __init__(self, row_pages: Iterator[list[Any]], on_rows: Callable[[int], None] | None) -> None:
        self.row_pages, self.on_rows, self.total = row_pages, on_rows, 0

    def __iter__(self) -> Iterator[list[Any]]:
        for page in self.row_pages:
            yield page
            self.total += len(page)
            if self.on_rows is not None:
                self.on_rows(self.total)


def stream(session: Session, shop: Shop, kind: str, file_format: str) -> Iterator[bytes]:
    check(kind, file_format, streaming=True)
    columns, row_pages = pages(session, shop, kind)
    return (csv_chunks if file_format == "csv" else ndjson_chunks)(columns, row_pages)

