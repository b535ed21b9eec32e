"""Use cases for customers: the full-state upsert, finding-or-creating the customer an order or
event belongs to (in batches), reads and the timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from lojal.customers import repository
from lojal.customers.schemas import CustomerFields, CustomerRef
from lojal.db.ids import allocate_ids
from lojal.errors import Conflict, NotFound
from lojal.events.domain import NewDomainEvent, record_domain_events
from lojal.kit.crypto import hmac_sha256_hex, random_token
from lojal.models import Customer, Shop

PLAIN_FIELDS = ("email", "phone", "first_name", "last_name", "locale", "birth_date", "country",
                "company_name", "customer_group", "interests", "attributes")

NAMES_ONLY = {"external_id": frozenset({"external_id"}), "email": frozenset({"email"})}
"""By the kind of key a reference is found by: fields that only name the customer (the e-mail
of a reference found by it is never written back)."""


def field_values(data: CustomerFields, now: datetime) -> dict[str, Any]:
    """The columns a payload sets: only the fields it names (left-out fields keep their value)."""
    given = data.model_fields_set
    values: dict[str, Any] = {name: getattr(data, name) for name in PLAIN_FIELDS if name in given}
    if "interests" in values and values["interests"] is not None:
        values["interests"] = sorted(set(values["interests"]))
    for channel in ("email", "sms"):
        consent = getattr(data, f"{channel}_consent")
        if f"{channel}_consent" in given and consent is not None:
            values[f"{channel}_consent"] = consent.granted
            values[f"{channel}_consent_at"] = consent.at or now
            values[f"{channel}_consent_source"] = consent.source
    if "created_at" in given and data.created_at is not None:
        values["created_at"] = data.created_at
    for name in ("interests", "attributes"):
        if name in values and values[name] is None:
            values[name] = [] if name == "interests" else {}
    return values


def new_row(shop_id: int, customer_id: int, external_id: str | None, values: dict[str, Any],
            now: datetime) -> dict[str, Any]:
    row: dict[str, Any] = {name: None for name in PLAIN_FIELDS}
    row.update({
        "shop_id": shop_id, "id": customer_id, "external_id": external_id, "interests": [],
        "attributes": {}, "email_consent": None, "email_consent_at": None,
        "email_consent_source": None, "sms_consent": None, "sms_consent_at": None,
        "sms_consent_source": None, "is_guest": external_id is None, "created_at": now,
        "updated_at": now, "order_count": 0, "first_order_at": None, "last_order_at": None,
        "total_spent": 0, "average_order_value": 0,
    })
    row.update(values)
    return row


OrderTotals = tuple[int, int, datetime, datetime]
"""Orders' aggregates for one customer: (count, net total, first placed, last placed)."""


@dataclass
class ResolvedCustomers:
    ids: list[int]
    """One customer id per reference, in the order given."""
    created: list[int]
    erased: set[int] = field(default_factory=set)
    """Erased customers the references led back to: write none of their personal data."""


def reference_key(reference: CustomerRef) -> tuple[str, str]:
    if reference.external_id is not None:
        return ("external_id", reference.external_id)
    assert reference.email is not None
    return ("email", reference.email)


def resolve(session: Session, shop: Shop, references: list[CustomerRef], now: datetime,
            *, occurred_at: list[datetime] | None = None,
            known: dict[tuple[str, str], int] | None = None,
            events: list[NewDomainEvent] | None = None,
            totals: dict[tuple[str, str], OrderTotals] | None = None) -> ResolvedCustomers:
    """Find or create the customer each reference names; update the fields a reference gives.

    A reference by e-mail alone finds the customer with that e-mail or creates a guest. A
    reference with an external id that is new but whose e-mail belongs to a guest turns that
    guest into the registered customer (the guest's orders stay with them). ``known``: external
    id keys resolved earlier in this transaction (a bulk batch's customer lines); a reference
    that names only such a key is not looked up again. ``events``: where to put the
    ``customer.created`` events for the caller to record with its own (fewer statements); by
    default they are recorded here. ``totals``: the aggregates a customer created here starts
    with (a bulk batch's new orders of a customer its customer line creates: no UPDATE after)."""
    keys = [reference_key(reference) for reference in references]
    unique: dict[tuple[str, str], CustomerRef] = {}
    for key, reference in zip(keys, references, strict=True):
        unique.setdefault(key, reference)
    already = {key: _Found(known[key], key[1], None, False) for key, reference in unique.items()
               if key in known and key[0] == "external_id"
               and reference.model_fields_set <= NAMES_ONLY["external_id"]} if known else {}
    found = _find(session, shop.id, [reference for key, reference in unique.items() if key not in already])
    found.update(already)
    erased = _buried(session, shop, [key for key in unique if key not in found])
    found.update({key: _Found(customer_id, None, None, False) for key, customer_id in erased.items()})
    to_create: list[tuple[tuple[str, str], CustomerRef]] = []
    for key, reference in unique.items():
        if key in found:
            continue
        guest = found.get(("email", reference.email)) if reference.email else None
        if key[0] == "external_id" and guest is not None:
            if guest.external_id is not None:
                raise Conflict(f"e-mail {reference.email} belongs to customer "
                               f"{guest.external_id!r}", field="customer.email")
            repository.update_fields(session, shop.id, guest.id,
                                     {"external_id": key[1], "is_guest": False, "updated_at": now})
            found[key] = _Found(guest.id, key[1], guest.email, False)
        else:
            to_create.append((key, reference))
    attempted, stored_all = _create(session, shop.id, to_create, now,
                                    first_seen(keys, occurred_at) if to_create else {}, totals)
    created: list[int] = []
    if to_create:
        if stored_all:  # every new row is in: their keys are known without reading them back
            found.update(_created_keys(to_create, attempted))
            created = [customer_id for _, customer_id in attempted]
        else:
            found.update(_find(session, shop.id, [reference for _, reference in to_create]))
            present = {item.id for item in found.values()}
            created = [customer_id for _, customer_id in attempted if customer_id in present]
        new_events = [NewDomainEvent("customer.created", "customer", customer_id, customer_id, now, {})
                      for customer_id in created]
        if events is None:
            record_domain_events(session, shop.id, new_events)
        else:
            events.extend(new_events)
    quiet = set(created) | set(erased.values())
    _apply_updates(session, shop.id, unique, found, quiet, now)
    return ResolvedCustomers(ids=[found[key].id for key in keys], created=created, erased=set(erased.values()))


TOMBSTONE_KEY = ("privacy", "pseudonym_key")
"""Where the shop's secret for keyed hashes of erased customers is kept (made at the first erasure)."""


def tombstone_hash(key: str | None, kind: str, value: str) -> str | None:
    """The keyed hash of a customer key (``external_id`` or ``email``), None while the shop has
    erased nobody (no key yet)."""
    return hmac_sha256_hex(key, f"{kind}:{value}".encode()) if key else None


def tombstone_secret(session: Session, shop: Shop, *, create: bool = False) -> str | None:
    """The shop's secret for keyed hashes of erased customers' keys, read from the database (the
    Shop a request holds may be a cached copy older than the key); made on first use if asked."""
    settings = dict(repository.shop_settings(session, shop.id) or {})
    section = dict(settings.get(TOMBSTONE_KEY[0]) or {})
    if section.get(TOMBSTONE_KEY[1]) is None and create:
        section[TOMBSTONE_KEY[1]] = random_token(32)
        repository.update_shop_settings(session, shop.id, settings | {TOMBSTONE_KEY[0]: section})
    return section.get(TOMBSTONE_KEY[1])


def _buried(session: Session, shop: Shop, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    if not keys:
        return {}
    secret = tombstone_secret(session, shop)
    if secret is None:
        return {}
    hashes = {key: tombstone_hash(secret, *key) for key in keys}
    buried = repository.tombstoned(session, shop.id, [value for value in hashes.values() if value])
    return {key: buried[value] for key, value in hashes.items() if value in buried}


def bury(session: Session, shop: Shop, customer_id: int, external_id: str | None, email: str | None,
         now: datetime) -> None:
    """Remember an erased customer's former keys as keyed hashes (for privacy.erase_customer)."""
    secret = tombstone_secret(session, shop, create=True)
    rows = [{"shop_id": shop.id, "key_hash": tombstone_hash(secret, kind, value), "customer_id": customer_id,
             "created_at": now} for kind, value in (("external_id", external_id), ("email", email)) if value]
    repository.insert_tombstones(session, [row for row in rows if row["key_hash"]])


def first_seen(keys: list[tuple[str, str]], occurred_at: list[datetime] | None) -> dict[tuple[str, str], datetime]:
    seen: dict[tuple[str, str], datetime] = {}
    for index, key in enumerate(keys):
        if occurred_at is not None:
            moment = occurred_at[index]
            if key not in seen or moment < seen[key]:
                seen[key] = moment
    return seen


@dataclass
class _Found:
    id: int
    external_id: str | None
    email: str | None
    is_guest: bool


def _find(session: Session, shop_id: int, references: Any) -> dict[tuple[str, str], _Found]:
    references = list(references)
    rows = repository.find_by_keys(
        session, shop_id,
        {reference.external_id for reference in references if reference.external_id},
        {reference.email for reference in references if reference.email},
    )
    found: dict[tuple[str, str], _Found] = {}
    for row in rows:
        item = _Found(row.id, row.external_id, row.email, row.is_guest)
        if row.external_id is not None:
            found[("external_id", row.external_id)] = item
        if row.email is not None:
            found[("email", row.email)] = item
    return found


def _create(session: Session, shop_id: int, to_create: list[tuple[tuple[str, str], CustomerRef]],
            now: datetime, seen: dict[tuple[str, str], datetime],
            totals: dict[tuple[str, str], OrderTotals] | None = None) -> tuple[list[tuple[CustomerRef, int]], bool]:
    """Insert the new customers; a guest whose e-mail a new registered customer in the same
    batch carries is not created (the e-mail finds that customer). Returns the references
    tried with their ids, and whether every one of them was stored."""
    emails_of_registered = {reference.email for key, reference in to_create
                            if key[0] == "external_id" and reference.email}
    to_create = [(key, reference) for key, reference in to_create
                 if key[0] == "external_id" or reference.email not in emails_of_registered]
    if not to_create:
        return [], True
    ids = allocate_ids(session, "customers", len(to_create))
    rows = []
    for customer_id, (key, reference) in zip(ids, to_create, strict=True):
        values = field_values(reference, now)
        values.setdefault("created_at", seen.get(key, now))
        if totals and key in totals:
            count, spent, first, last = totals[key]
            values.update(order_count=count, total_spent=spent, average_order_value=spent // count,
                          first_order_at=first, last_order_at=last)
        rows.append(new_row(shop_id, customer_id, reference.external_id, values, now))
    stored_all = repository.insert_new(session, rows)
    return [(reference, customer_id) for (_, reference), customer_id in zip(to_create, ids, strict=True)], stored_all


def _created_keys(to_create: list[tuple[tuple[str, str], CustomerRef]],
                  attempted: list[tuple[CustomerRef, int]]) -> dict[tuple[str, str], _Found]:
    """The keys of customers just stored, as ``_find`` would read them back: a new registered
    customer answers to its external id and e-mail, a guest to its e-mail."""
    found: dict[tuple[str, str], _Found] = {}
    for reference, customer_id in attempted:
        item = _Found(customer_id, reference.external_id, reference.email, reference.external_id is None)
        if reference.external_id is not None:
            found[("external_id", reference.external_id)] = item
        if reference.email is not None:
            found.setdefault(("email", reference.email), item)
    missing = [key for key, _ in to_create if key not in found]
    assert not missing, f"created customers without a key: {missing}"
    return found


def _apply_updates(session: Session, shop_id: int, unique: dict[tuple[str, str], CustomerRef],
                   found: dict[tuple[str, str], _Found], created: set[int], now: datetime) -> None:
    """Write what the references change: fields equal to the stored ones are left alone (an order
    restating its customer's name writes nothing and leaves ``updated_at`` as it was)."""
    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    for key, reference in unique.items():
        if reference.model_fields_set <= NAMES_ONLY[key[0]]:  # names its customer, sets nothing
            continue
        if found[key].id not in created:
            values = field_values(reference, now)
            values.pop("created_at", None)
            if values:
                wanted[key] = values
    stored = repository.stored_fields(session, shop_id, sorted({found[key].id for key in wanted}),
                                      sorted({name for values in wanted.values() for name in values}))
    writes: dict[int, dict[str, Any]] = {}
    for key, values in wanted.items():
        target = found[key]
        values = _changes(values, stored.get(target.id))
        if key[0] == "email" or values.get("email") == target.email:
            values.pop("email", None)
        if values.get("email") is not None:
            holders = repository.find_by_keys(session, shop_id, [], [values["email"]])
            if holders and holders[0].id != target.id:
                raise Conflict(f"e-mail {values['email']} belongs to another customer", field="customer.email")
        if values:
            values["updated_at"] = now
            writes.setdefault(target.id, {}).update(values)
            if target.id in stored:  # a later reference to the same customer compares with this
                stored[target.id] = stored[target.id] | values
    repository.update_many(session, shop_id, writes)


def _changes(values: dict[str, Any], stored: dict[str, Any] | None) -> dict[str, Any]:
    """What differs from the stored fields. A consent restated as it stands (granted or refused
    as stored, from the same source) keeps its time unless the restatement is dated earlier: the
    time says since when the consent stands, as Shopify's ``consent_updated_at`` changes only with
    the consent, not each time it is repeated (every order of a Shopify export or webhook restates
    its customer's consent, dated at the order; a customers file without times is dated at the
    import, and its customers' orders then show the consent earlier)."""
    if stored is None:
        return values
    changes = {name: value for name, value in values.items() if value != stored[name]}
    for channel in ("email", "sms"):
        at = f"{channel}_consent_at"
        if (at in changes and f"{channel}_consent" in values and f"{channel}_consent" not in changes
                and f"{channel}_consent_source" not in changes and stored[at] is not None
                and changes[at] is not None and changes[at] > stored[at]):
            del changes[at]
    return changes


def upsert(session: Session, shop: Shop, external_id: str, data: CustomerFields, now: datetime) -> tuple[Customer, bool]:
    """PUT /customers/{external_id}: create, or update the fields the payload names."""
    existing = repository.get_by_external_id(session, shop.id, external_id)
    values = field_values(data, now)
    if existing is None:
        erased = _buried(session, shop, [("external_id", external_id)] + ([("email", data.email)] if data.email else []))
        if erased:  # an erased customer: answer with the erased record, write nothing of the person
            return get(session, shop, next(iter(erased.values()))), False
        reference = CustomerRef.model_validate({**data.model_dump(exclude_unset=True),
                                                "external_id": external_id})
        resolve(session, shop, [reference], now)
        customer = repository.get_by_external_id(session, shop.id, external_id)
        assert customer is not None
        return customer, True
    if "email" in values and values["email"] != existing.email and values["email"] is not None:
        holder = repository.find_by_keys(session, shop.id, [], [values["email"]])
        if holder and holder[0].id != existing.id:
            raise Conflict(f"e-mail {values['email']} belongs to another customer", field="email")
    changed = {name: value for name, value in values.items() if getattr(existing, name) != value}
    if changed:
        changed["updated_at"] = now
        repository.update_fields(session, shop.id, existing.id, changed)
        record_domain_events(session, shop.id, [NewDomainEvent(
            "customer.updated", "customer", existing.id, existing.id, now,
            {"external_id": external_id, "fields": sorted(set(changed) - {"updated_at"})})])
        session.expire(existing)
    return existing, False


def get(session: Session, shop: Shop, customer_id: int) -> Customer:
    customer = repository.get(session, shop.id, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}", field="customer_id")
    return customer


def get_by_external_id(session: Session, shop: Shop, external_id: str) -> Customer:
    customer = repository.get_by_external_id(session, shop.id, external_id)
    if customer is None:
        raise NotFound(f"no customer with external_id {external_id!r}", field="external_id")
    return customer


def page(session: Session, shop: Shop, *, limit: int, after: tuple[datetime, int] | None = None,
         email: str | None = None, external_id: str | None = None, updated_since: datetime | None = None,
         search: str | None = None, order_by_updated: bool = False) -> list[Customer]:
    """A page of the shop's customers in id order (or change order, for syncing), filtered."""
    return repository.page(session, shop.id, limit=limit, after=after, email=email, external_id=external_id,
                           updated_since=updated_since, search=search, order_by_updated=order_by_updated)


def count(session: Session, shop: Shop) -> int:
    return repository.count(session, shop.id)


def ids_with_birthday(session: Session, shop: Shop, month: int, day: int) -> list[int]:
    """Customers born on this day of the year (29 February birthdays are kept on 28 February in
    other years by the caller)."""
    return repository.ids_with_birthday(session, shop.id, month, day)


def find(session: Session, shop: Shop, reference: str) -> Customer:
    """A customer by the shop's external id, or by Lojal's id written ``id:<n>``."""
    if reference.startswith("id:") and reference[3:].isdigit():
        return get(session, shop, int(reference[3:]))
    return get_by_external_id(session, shop, reference)
