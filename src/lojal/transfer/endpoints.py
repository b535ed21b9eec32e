"""``POST /api/v1/imports/{orders|customers}`` (a CSV file, multipart or the raw body) and the
streaming ``GET /api/v1/export/{customers|orders|order-lines|events}``."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from lojal.api.deps import Ingest, Read, SessionDependency
from lojal.errors import ValidationFailed
from lojal.shops import service as shops
from lojal.transfer import export as exports
from lojal.transfer.imports import ImportOptions, import_file
from lojal.transfer.schemas import ImportReportOut

router = APIRouter(prefix="/api/v1", tags=["import and export"])
SPOOL_IN_MEMORY = 8 * 1024 * 1024


CSV_EXAMPLE = (
    "Name,Email,Financial Status,Paid at,Created at,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,"
    "Discount Amount,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Id\n"
    "#1001,kari@example.no,paid,2026-03-14 18:22:05 +0100,2026-03-14 18:22:05 +0100,NOK,538.80,49.00,117.56,"
    "587.80,,0.00,2,Kaffefilter str. 4,39.90,KF-4-100,5820441297194\n"
    "#1001,kari@example.no,,,,,,,,,,,1,Tennisracket Pro,459.00,TR-PRO,\n")


@router.post("/imports/{what}", response_model=ImportReportOut, summary="Import a CSV file of orders or customers",
             openapi_extra={"requestBody": {"content": {
                 "text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE},
                 "multipart/form-data": {"schema": {"type": "object", "properties": {
                     "file": {"type": "string", "format": "binary"}}}, "example": {"file": "orders_export_1.csv"}}}}})
async def import_csv(request: Request, what: Literal["orders", "customers"], principal: Ingest, session: SessionDependency,
                     format: Annotated[str, Query(description="shopify, woocommerce (orders) or generic")] = "shopify",
                     skip_bad_rows: bool = False, encoding: str | None = None, delimiter: str | None = None,
                     decimal_comma: bool | None = None) -> dict[str, Any]:
    """The file as the platform exports it (see docs/import.md). A bad row is reported with its line
    number; by default a file with bad rows imports nothing (``imported: false``);
    ``skip_bad_rows=true`` imports the good rows. Importing the same file again changes nothing."""
    options = ImportOptions(skip_bad_rows=skip_bad_rows, encoding=encoding, delimiter=delimiter,
                            decimal_comma=decimal_comma, batch_size=request.app.state.settings.bulk_batch_size)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        await _receive(request, spool)
        spool.seek(0)
        return await run_in_threadpool(_import, session, principal.shop, what, format, spool, options)


async def _receive(request: Request, spool: Any) -> None:
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form(max_part_size=1024**3)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ValidationFailed("send the CSV as the form field 'file'", field="file")
        while chunk := await upload.read(1024 * 1024):
            spool.write(chunk)
        return
    async for chunk in request.stream():
        spool.write(chunk)
    if spool.tell() == 0:
        raise ValidationFailed("the body is empty: send the CSV file", field="file")


def _import(session: Session, shop: Any, what: str, format: str, spool: Any, options: ImportOptions) -> dict[str, Any]:
    try:
        report = import_file(session, shop, what, format, spool, options, after_batch=session.commit)
    except BaseException:
        session.rollback()
        raise
    if report.imported:
        session.commit()
    else:
        session.rollback()
    return report.as_dict()


@router.get("/export/{kind}", summary="Export customers, orders, order lines or events (streamed)",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}})
def export_stream(request: Request, kind: Literal["customers", "orders", "order-lines", "events"], principal: Read,
                  format: Literal["csv", "ndjson"] = "csv") -> StreamingResponse:
    """Every row of the shop, streamed in id order as it is read (constant memory). Columns are
    documented in docs/export.md."""
    exports.check(kind, format, streaming=True)
    factory = request.app.state.session_factory
    filename = f"{principal.shop.slug}-{kind}.{format}"
    return StreamingResponse(_chunks(factory, principal.shop.id, kind, format), media_type=exports.MEDIA_TYPES[format],
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _chunks(factory: Any, shop_id: int, kind: str, format: str) -> Iterator[bytes]:
    """Its own session: the request's closes before the body is streamed."""
    with factory() as session:
        yield from exports.stream(session, shops.get_shop(session, shop_id), kind, format)
