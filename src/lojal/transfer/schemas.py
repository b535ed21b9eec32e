"""What the import endpoints answer."""

from __future__ import annotations

from pydantic import BaseModel


class ImportErrorOut(BaseModel):
    line: int
    type: str | None
    external_id: str | None
    field: str | None
    message: str


class ImportReportOut(BaseModel):
    what: str
    """orders or customers."""
    format: str
    imported: bool
    """False when the file had bad rows and nothing was imported (send ``skip_bad_rows=true`` to
    import the good rows)."""
    message: str
    rows: int
    """Data rows read (an order with three line items is three rows)."""
    encoding: str
    delimiter: str
    decimal_comma: bool
    records: int
    """Orders, refunds or customers found in the rows (and rows refused)."""
    stored: int
    """Records written (an order imported again counts, though nothing in it changed)."""
    unchanged: int
    """Customers left alone because their row held nothing new."""
    failed: int
    counts: dict[str, int]
    errors: list[ImportErrorOut]
    errors_not_listed: int
