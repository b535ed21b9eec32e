"""Which columns can hold a customer's personal data, written once.

Every text-like column (strings, text, JSON, binary, dates) of every table that holds data about
a customer is classified here, and a test fails when such a column appears without being
classified. The erasure (``service.erase_customer``) clears or scrubs exactly what is marked, and
keeps the anonymous facts (amounts, dates, quantities, products, points) so a shop's numbers do
not change when a customer is erased."""

from __future__ import annotations

CLEAR = "clear"
"""Personal: set to empty (NULL, ``{}``, ``[]`` or ``""`` for a required column)."""
PSEUDONYMISE = "pseudonymise"
"""The shop's id of the person: replaced by a stable keyed pseudonym (``erased-<hex>``)."""
SCRUB = "scrub"
"""A document mixing facts and personal values: personal keys and values are taken out."""
KEEP = "keep"
"""An anonymous fact, or the shop's own identifier of an order, event or product."""

CLASSIFICATION: dict[str, dict[str, str]] = {
    "customers": {
        "external_id": PSEUDONYMISE, "email": CLEAR, "phone": CLEAR, "first_name": CLEAR,
        "last_name": CLEAR, "birth_date": CLEAR, "company_name": CLEAR, "interests": CLEAR,
        "attributes": CLEAR, "email_consent_source": CLEAR, "sms_consent_source": CLEAR,
        "locale": KEEP, "country": KEEP, "customer_group": KEEP,
    },
    "orders": {
        "email": CLEAR, "attributes": CLEAR,
        "external_id": KEEP, "order_number": KEEP, "currency": KEEP, "status": KEEP, "source": KEEP,
        "discount_codes": KEEP,
    },
    "order_lines": {
        "external_id": KEEP, "product_external_id": KEEP, "variant_external_id": KEEP, "sku": KEEP, "name": KEEP,
    },
    "refunds": {"reason": CLEAR, "external_id": KEEP, "currency": KEEP},
    "refund_lines": {},
    "customer_events": {
        "properties": CLEAR, "cart": CLEAR, "recovery_url": CLEAR,
        "external_id": KEEP, "type": KEEP, "name": KEEP,
    },
    "domain_events": {"payload": SCRUB, "type": KEEP, "subject_type": KEEP},
    "loyalty_accounts": {},
    "loyalty_entries": {
        "note": CLEAR, "description": CLEAR,
        "kind": KEEP, "operation": KEEP, "actor": KEEP,
    },
    "loyalty_lots": {"source_key": KEEP, "state": KEEP},
    "loyalty_redemptions": {"code": KEEP, "status": KEEP, "reward_snapshot": KEEP},
    "customer_predictions": {"churn_risk_band": KEEP, "rfm_segment": KEEP, "next_order_date": KEEP},
    "idempotency_records": {
        "response_body": SCRUB,
        "key": KEEP, "method": KEEP, "path": KEEP, "request_hash": KEEP, "content_type": KEEP,
    },
    "webhook_deliveries": {"last_response_excerpt": CLEAR, "last_error": KEEP, "event_type": KEEP, "status": KEEP},
    "privacy_requests": {
        "kind": KEEP, "source": KEEP, "actor": KEEP, "reference": KEEP, "summary": KEEP,
    },
    "customer_tombstones": {"key_hash": KEEP},
}
"""Notes on the choices: ``locale``, ``country`` and ``customer_group`` describe many people and
feed the shop's breakdowns; ``interests`` and ``attributes`` are free-form and may hold anything,
so they go. ``customer_tombstones.key_hash`` is a keyed hash of the erased customer's former id
and e-mail, made at the erasure so a replay finds the erased record instead of the person
coming back. Order and event external ids stay: they are the shop's ids of the order or event, not
of the person, and keep a replayed webhook a no-op. ``loyalty_entries.actor`` names the member of
staff or the system that acted, not the customer. ``description`` of a ledger entry can be free
text typed by staff (an adjustment), so it is emptied. Predictions are kept: once the customer is
anonymous they describe nobody, and the shop's CLV and churn figures stay the same."""

PAYLOAD_KEYS_TO_REMOVE = frozenset({
    "email", "phone", "first_name", "last_name", "name", "company_name", "birth_date", "address",
    "addresses", "note", "reason", "recovery_url", "properties", "cart", "attributes",
})
"""Keys taken out of a domain event's payload (at any depth) when its customer is erased."""

ERASED_TEXT = "[erased]"
"""What replaces a personal value inside a stored document (an API reply kept for idempotency)."""


def text_like(column_type: object) -> bool:
    """Whether a column can hold free text or personal values (what must be classified)."""
    from sqlalchemy import JSON, Date, LargeBinary, String
    from sqlalchemy.types import TypeDecorator

    from lojal.db.types import UTCDateTime

    if isinstance(column_type, UTCDateTime):
        return False
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl
    return isinstance(column_type, String | JSON | LargeBinary | Date)
