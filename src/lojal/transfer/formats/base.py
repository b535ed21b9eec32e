"""What the file formats share: the context a file is read in, the records and refusals they
yield, grouping the rows of one order (which must be next to each other), and an order's sums
balanced the way the hub adds them up."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any, Protocol

from lojal.errors import NUL_MESSAGE, ValidationFailed
from lojal.integrations.mapping import MappingError, balance
from lojal.transfer.csv_source import EXTRA, NUL_CELL

Rows = Iterable[tuple[int, dict[str, str]]]


@dataclass(frozen=True)
class Context:
    currency: str
    """The shop's currency: the currency of a row that names none."""
    zone: tzinfo
    """The shop's time zone, for timestamps without an offset."""
    decimal_comma: bool


@dataclass
class Record:
    line: int
    data: dict[str, Any]
    """A bulk record: ``{"type": "order"|"refund"|"customer", "external_id": ..., ...}``."""


@dataclass
class Refused:
    line: int
    kind: str
    external_id: str | None
    field: str | None
    message: str


class Format(Protocol):
    kind: str
    required: tuple[str, ...]

    def key(self, row: dict[str, str]) -> str | None: ...

    def map(self, rows: list[tuple[int, dict[str, str]]], context: Context) -> list[dict[str, Any]]: ...


def check_columns(columns: Iterable[str], required: tuple[str, ...], name: str) -> None:
    missing = [column for column in required if column not in set(columns)]
    if missing:
        raise ValidationFailed(f"this is not a {name} file: it lacks the column(s) {', '.join(missing)}", field="file")


def records(rows: Rows, file_format: Format, context: Context, name: str) -> Iterator[Record | Refused]:
    """Group consecutive rows by the format's key and map each group. An order's rows split by
    another order are refused (the file must keep them together, as the platforms export them)."""
    group: list[tuple[int, dict[str, str]]] = []
    current: str | None = None
    seen: set[str] = set()
    checked = False
    for line, row in rows:
        if not checked:
            check_columns(row.keys(), file_format.required, name)
            checked = True
        key = file_format.key(row)
        if EXTRA in row:
            extra = row[EXTRA]
            yield Refused(line, file_format.kind, key, None, f"the row has {extra} cell(s) more than the header")
            continue
        if key is None:
            yield Refused(line, file_format.kind, None, file_format.required[0], f"{file_format.required[0]} is empty")
            continue
        if key != current:
            if group:
                yield from _mapped(group, file_format, context, current)
            if key in seen:
                group, current = [], None
                yield Refused(line, file_format.kind, key, file_format.required[0],
                              f"{key!r} appeared before, not on the rows just above: keep each order's rows together")
                continue
            seen.add(key)
            group, current = [], key
        group.append((line, row))
    if group:
        yield from _mapped(group, file_format, context, current)


def _mapped(group: list[tuple[int, dict[str, str]]], file_format: Format, context: Context,
            key: str | None) -> Iterator[Record | Refused]:
    line = group[0][0]
    for row_line, row in group:  # the whole order or customer, not the rest of it without that row
        if NUL_CELL in row:
            yield Refused(row_line, file_format.kind, key, row[NUL_CELL], NUL_MESSAGE)
            return
    try:
        mapped = file_format.map(group, context)
    except MappingError as error:
        message = str(error).removeprefix(f"{error.field}: ") if error.field else str(error)
        yield Refused(getattr(error, "line", None) or line, file_format.kind, key, error.field, message)
        return
    for data in mapped:
        yield Record(line, data)


@dataclass
class LineItem:
    sku: str | None
    name: str | None
    quantity: int
    unit_price: int
    discount: int = 0
    external_id: str | None = None
    product_external_id: str | None = None
    variant_external_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_record(self) -> dict[str, Any]:
        total = self.quantity * self.unit_price - self.discount
        if total < 0:
            raise MappingError(f"the line's discount {self.discount} is more than {self.quantity} x {self.unit_price}",
                               "discount")
        return {key: value for key, value in {
            "external_id": self.external_id, "product_external_id": self.product_external_id,
            "variant_external_id": self.variant_external_id, "sku": self.sku, "name": self.name,
            "quantity": self.quantity, "unit_price": self.unit_price, "discount": self.discount, "total": total,
        }.items() if value is not None}


def order_sums(lines: list[dict[str, Any]], *, shipping: int, tax: int, taxes_included: bool,
               total: int) -> dict[str, Any]:
    """subtotal, discount_total, shipping_total, tax_total and total that add up exactly: what the
    file's total holds beyond the lines, shipping and tax is an order-level discount (or, when it
    is more, a charge counted with shipping)."""
    subtotal = sum(line["total"] for line in lines)
    sums = balance(subtotal=subtotal, shipping=shipping, tax=tax, taxes_included=taxes_included, total=total)
    return {"subtotal": subtotal, "discount_total": sums.discount_total, "shipping_total": sums.shipping_total,
            "tax_total": tax, "taxes_included": taxes_included, "total": total}


class LineMappingError(MappingError):
    """A mapping error on a given line of the file (not the order's first)."""

    def __init__(self, message: str, field: str | None, line: int) -> None:
        super().__init__(message, field)
        self.line = line


def on_line(line: int, action: Any) -> Any:
    """Run ``action()``; a MappingError it raises names ``line``."""
    try:
        return action()
    except LineMappingError:
        raise
    except MappingError as error:
        message = str(error).removeprefix(f"{error.field}: ") if error.field else str(error)
        raise LineMappingError(message, error.field, line) from error
