"""GDPR access and erasure for one customer.

``customer_data`` gathers everything Lojal holds about a customer into one JSON-able document.
``erase_customer`` removes the personal data (see ``fields.CLASSIFICATION``) and keeps the
anonymous facts, so the shop's revenue, order counts, points and analytics do not change. Both
are logged in ``privacy_requests`` (who, when, through what, counts), never with the data.

An erased customer keeps its row (orders, refunds and points hang on it) and Lojal's id. Its
external id is replaced by a stable pseudonym ``erased-<hex>``: HMAC-SHA256 of the shop's id for
the person under a random key kept per shop. Knowing the shop's id, the shop can still find the
record (``find_customer``, so a repeated erasure answers like the first), but nobody can go back
from the pseudonym to the person. Functions here flush; the caller (request, job, CLI) commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from lojal.customers import service as customers
from lojal.errors import NotFound
from lojal.events.domain import NewDomainEvent, record_domain_events
from lojal.kit.crypto import hmac_sha256_hex
from lojal.models import Customer, PrivacyRequest, Shop
from lojal.privacy import repository
from lojal.privacy.fields import ERASED_TEXT, PAYLOAD_KEYS_TO_REMOVE

DOCUMENT_FORMAT = "lojal.customer-data/1"
PSEUDONYM_PREFIX = "erased-"


@dataclass(frozen=True)
class ErasureResult:
    request: PrivacyRequest
    customer_id: int
    already_erased: bool


# -- finding the customer ------------------------------------------------------------------

def pseudonym(session: Session, shop: Shop, external_id: str, *, create_key: bool = False) -> str | None:
    """The stable pseudonym of the shop's id for a person (None while the shop has no key yet).
    The key is the one the customers domain keeps for erased customers' tombstones."""
    key = customers.tombstone_secret(session, shop, create=create_key)
    return PSEUDONYM_PREFIX + hmac_sha256_hex(key, external_id.encode())[:32] if key else None


def find_customer(session: Session, shop: Shop, reference: str) -> Customer:
    """By the shop's external id (also once erased: through its pseudonym) or ``id:<n>``."""
    try:
        return customers.find(session, shop, reference)
    except NotFound:
        alias = pseudonym(session, shop, reference) if not reference.startswith("id:") else None
        found = repository.customer_by_external_id(session, shop.id, alias) if alias else None
        if found is None:
            raise
        return found


def find_for_platform_request(session: Session, shop: Shop, external_id: str | None,
                              email: str | None) -> Customer | None:
    """The customer a platform's privacy request names: by its id (or pseudonym), else by e-mail."""
    if external_id:
        try:
            return find_customer(session, shop, external_id)
        except NotFound:
            pass
    if email:
        return repository.customer_by_email(session, shop.id, email.strip().lower())
    return None


def is_erased(session: Session, shop: Shop, customer_id: int) -> bool:
    return repository.erasure_of(session, shop.id, customer_id) is not None


def erased_among(session: Session, shop: Shop, customer_ids: list[int]) -> set[int]:
    """For ingestion: which of these customers were erased (their personal fields must not be
    written again by a replayed order or customer webhook)."""
    return repository.erased_among(session, shop.id, customer_ids)


# -- access --------------------------------------------------------------------------------

def customer_data(session: Session, shop: Shop, customer: Customer, now: datetime) -> dict[str, Any]:
    """Everything Lojal holds about one customer, as one JSON-able document."""
    shop_id, customer_id = shop.id, customer.id
    profile = repository.customer_row(session, shop_id, customer_id)
    assert profile is not None
    orders = repository.orders_of(session, shop_id, customer_id)
    lines = repository.lines_of(session, shop_id, [order["id"] for order in orders])
    refunds = repository.refunds_of(session, shop_id, customer_id)
    refund_lines = repository.refund_lines_of(session, shop_id, [refund["id"] for refund in refunds])
    erasure = repository.erasure_of(session, shop_id, customer_id)
    return {
        "format": DOCUMENT_FORMAT,
        "generated_at": now,
        "shop": {"slug": shop.slug, "name": shop.name, "currency": shop.currency},
        "erased_at": erasure.created_at if erasure else None,
        "customer": profile,
        "consents": {channel: {"granted": profile[f"{channel}_consent"], "at": profile[f"{channel}_consent_at"],
                               "source": profile[f"{channel}_consent_source"]} for channel in ("email", "sms")},
        "orders": [{**order, "lines": [line for line in lines if line["order_id"] == order["id"]]} for order in orders],
        "refunds": [{**refund, "lines": [line for line in refund_lines if line["refund_id"] == refund["id"]]}
                    for refund in refunds],
        "events": repository.customer_events_of(session, shop_id, customer_id),
        "activity": repository.domain_events_of(session, shop_id, customer_id),
        "loyalty": {
            "account": repository.loyalty_account_of(session, shop_id, customer_id),
            "ledger": repository.ledger_of(session, shop_id, customer_id),
            "lots": repository.lots_of(session, shop_id, customer_id),
            "redemptions": repository.redemptions_of(session, shop_id, customer_id),
        },
        "predictions": repository.prediction_of(session, shop_id, customer_id),
        "privacy_requests": [_request_view(request)
                             for request in repository.privacy_requests_of(session, shop_id, customer_id)],
    }


def section_counts(document: dict[str, Any]) -> dict[str, int]:
    loyalty = document["loyalty"]
    return {"orders": len(document["orders"]), "refunds": len(document["refunds"]),
            "events": len(document["events"]), "activity": len(document["activity"]),
            "ledger_entries": len(loyalty["ledger"]), "lots": len(loyalty["lots"]),
            "redemptions": len(loyalty["redemptions"])}


@dataclass(frozen=True)
class Export:
    document: dict[str, Any]
    request: PrivacyRequest


def export_customer(session: Session, shop: Shop, customer: Customer, *, actor: str, source: str, now: datetime,
                    reference: str | None = None) -> Export:
    """The data document, and an ``access`` row in the privacy log saying who got it."""
    document = customer_data(session, shop, customer, now)
    request = _log(session, shop, "access", customer.id, source, actor, reference, section_counts(document), now)
    return Export(document, request)


def document_json(document: dict[str, Any]) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)


# -- erasure -------------------------------------------------------------------------------

def erase_customer(session: Session, shop: Shop, customer: Customer, *, actor: str, source: str, now: datetime,
                   reference: str | None = None) -> ErasureResult:
    """Remove the customer's personal data, keep the anonymous facts, log it. Erasing an erased
    customer changes nothing and answers with the first erasure."""
    repository.lock_customer(session, shop.id, customer.id)
    done = repository.erasure_of(session, shop.id, customer.id)
    if done is not None:
        return ErasureResult(done, customer.id, already_erased=True)
    profile = repository.customer_row(session, shop.id, customer.id)
    assert profile is not None
    alias = pseudonym(session, shop, profile["external_id"], create_key=True) if profile["external_id"] else None
    customers.bury(session, shop, customer.id, profile["external_id"], profile["email"], now)
    summary = {"customer": 1}
    repository.clear_customer(session, shop.id, customer.id, {
        "external_id": alias, "email": None, "phone": None, "first_name": None, "last_name": None,
        "birth_date": None, "company_name": None, "interests": [], "attributes": {},
        "email_consent_source": None, "sms_consent_source": None, "updated_at": now})
    summary["orders"] = repository.clear_orders(session, shop.id, customer.id)
    summary["refunds"] = repository.clear_refunds(session, shop.id, customer.id)
    summary["events"] = repository.clear_customer_events(session, shop.id, customer.id)
    summary["ledger_entries"] = repository.clear_ledger(session, shop.id, customer.id)
    event_ids, summary["activity"] = _scrub_domain_events(session, shop, customer.id, profile, alias)
    summary["webhook_responses"] = repository.clear_webhook_responses(session, shop.id, event_ids)
    summary["stored_replies"] = _scrub_stored_replies(session, shop, profile, alias)
    request = _log(session, shop, "erasure", customer.id, source, actor, reference, summary, now)
    record_domain_events(session, shop.id, [NewDomainEvent("customer.erased", "customer", customer.id, customer.id,
                                                           now, {"customer_id": customer.id})])
    session.expire(customer)
    return ErasureResult(request, customer.id, already_erased=False)


def _scrub_domain_events(session: Session, shop: Shop, customer_id: int, profile: dict[str, Any],
                         alias: str | None) -> tuple[list[int], int]:
    values = _personal_values(profile, alias)
    ids, changed = [], 0
    for row in repository.domain_event_payloads(session, shop.id, customer_id):
        ids.append(row.id)
        cleaned = scrub(row.payload or {}, values)
        if cleaned != row.payload:
            repository.set_domain_event_payload(session, shop.id, row.id, cleaned)
            changed += 1
    return ids, changed


def _personal_values(profile: dict[str, Any], alias: str | None) -> dict[str, str]:
    """Personal values as they may appear inside stored documents, and what replaces them."""
    values = {str(profile[name]): ERASED_TEXT for name in ("email", "phone", "first_name", "last_name",
                                                           "company_name", "birth_date") if profile[name]}
    if profile["birth_date"]:
        values[profile["birth_date"].isoformat()] = ERASED_TEXT
    if profile["external_id"]:
        values[profile["external_id"]] = alias or ERASED_TEXT
    return values


def scrub(value: Any, replacements: dict[str, str]) -> Any:
    """A JSON document without personal keys, and with personal values replaced."""
    if isinstance(value, dict):
        return {key: scrub(item, replacements) for key, item in value.items() if key not in PAYLOAD_KEYS_TO_REMOVE}
    if isinstance(value, list):
        return [scrub(item, replacements) for item in value]
    if isinstance(value, str):
        return replacements.get(value, value)
    return value


def _scrub_stored_replies(session: Session, shop: Shop, profile: dict[str, Any], alias: str | None) -> int:
    """API replies kept for Idempotency-Key replays and webhook delivery documents that mention
    the customer: personal values inside them are replaced (the records stay, so replays still
    answer without doing the work again)."""
    replacements = _personal_values(profile, alias)
    needles = [str(profile[name]) for name in ("email", "phone", "external_id") if profile[name]]
    changed = 0
    for record in repository.records_mentioning(session, shop.id, needles):
        try:
            document = orjson.loads(record.response_body)
        except orjson.JSONDecodeError:
            continue
        cleaned = _replace_values(document, replacements)
        if cleaned != document:
            repository.set_record_body(session, shop.id, record.key, orjson.dumps(cleaned))
            changed += 1
    return changed


def _replace_values(value: Any, replacements: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: _replace_values(item, replacements) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_values(item, replacements) for item in value]
    if isinstance(value, str):
        return replacements.get(value, value)
    return value


# -- the log -------------------------------------------------------------------------------

def _log(session: Session, shop: Shop, kind: str, customer_id: int, source: str, actor: str,
         reference: str | None, summary: dict[str, int], now: datetime) -> PrivacyRequest:
    return repository.add_request(session, PrivacyRequest(
        shop_id=shop.id, kind=kind, customer_id=customer_id, source=source[:32], actor=actor[:320],
        reference=reference[:255] if reference else None, summary=summary, created_at=now))


def _request_view(request: PrivacyRequest) -> dict[str, Any]:
    return {"id": request.id, "kind": request.kind, "customer_id": request.customer_id, "source": request.source,
            "actor": request.actor, "reference": request.reference, "summary": request.summary,
            "created_at": request.created_at}


def request_view(request: PrivacyRequest) -> dict[str, Any]:
    return _request_view(request)


def privacy_log(session: Session, shop: Shop, *, kind: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """The shop's privacy requests, newest first (for the admin page and the API)."""
    return [_request_view(request) for request in repository.requests(session, shop.id, kind=kind, limit=limit)]
