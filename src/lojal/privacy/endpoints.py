"""GDPR endpoints (admin scope): a customer's data document, the erasure, and the privacy log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response

from lojal.api.deps import Admin, SessionDependency
from lojal.api.idempotency import run_idempotently
from lojal.kit.clock import utcnow
from lojal.privacy import service
from lojal.privacy.schemas import CustomerDataDocument, ErasureOut, PrivacyRequestOut

router = APIRouter(tags=["privacy"])

CustomerPath = Annotated[str, Path(description="The shop's external id (also after erasure), or id:<n>",
                                   examples=["c-981"])]


def erasure_view(result: service.ErasureResult) -> dict[str, Any]:
    return ErasureOut(customer_id=result.customer_id, erased_at=result.request.created_at,
                      privacy_request_id=result.request.id, summary=result.request.summary).model_dump(mode="json")


@router.get("/api/v1/customers/{customer}/data", response_model=CustomerDataDocument,
            summary="Everything Lojal holds about one customer (GDPR access)")
def customer_data(customer: CustomerPath, principal: Admin, session: SessionDependency) -> Any:
    """One JSON document: profile, consents, orders with lines, refunds, events, Lojal's activity
    about the customer, the loyalty account with its ledger, lots and redemptions, predictions
    and the privacy log. The access is logged (who, when), without the data."""
    found = service.find_customer(session, principal.shop, customer)
    export = service.export_customer(session, principal.shop, found, actor=f"api:key-{principal.api_key_id}",
                                     source="api", now=utcnow())
    session.commit()
    return export.document


@router.post("/api/v1/customers/{customer}/erase", response_model=ErasureOut,
             summary="Erase a customer's personal data (GDPR erasure)")
def erase_customer(customer: CustomerPath, principal: Admin, session: SessionDependency, request: Request,
                   idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> Response:
    """Clears names, e-mail, phone, birth date, company, custom attributes and free text, keeps
    order amounts, dates, lines and points, so the shop's numbers do not change. Erasing an
    erased customer answers like the first time and changes nothing."""
    def work() -> tuple[int, Any]:
        found = service.find_customer(session, principal.shop, customer)
        result = service.erase_customer(session, principal.shop, found, actor=f"api:key-{principal.api_key_id}",
                                        source="api", now=utcnow())
        return 200, erasure_view(result)

    return run_idempotently(session, principal.shop.id, idempotency_key, "POST", request.url.path, b"", work)


@router.get("/api/v1/privacy/requests", response_model=list[PrivacyRequestOut],
            summary="The privacy log: data exports and erasures, newest first")
def privacy_requests(principal: Admin, session: SessionDependency,
                     kind: Annotated[str | None, Query(pattern="^(access|erasure)$")] = None,
                     limit: Annotated[int, Query(ge=1, le=500)] = 100) -> Any:
    return service.privacy_log(session, principal.shop, kind=kind, limit=limit)
