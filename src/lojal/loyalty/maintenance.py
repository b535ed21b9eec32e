"""The club's housekeeping: pending points become available, points expire (with a warning
first). Each takes a batch of members, locks their accounts in id order and reads the lots it
changes after taking the locks (every change of a lot happens under its member's lock), so
running it twice, or in two workers at once, does the work once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from lojal.kit.clock import ensure_utc
from lojal.events.domain import NewDomainEvent, record_domain_events
from lojal.loyalty import ledger, repository, rules
from lojal.loyalty.texts import AVAILABLE, settled_text, texts_for
from lojal.db.ids import allocate_ids
from lojal.db.upsert import insert_rows
from lojal.models import LedgerEntry, LoyaltyProgram, Shop

BATCH = 5000
"""Members per call; the job calls again (committing between calls) until nothing is left."""


def release_due(session: Session, shop: Shop, now: datetime, batch: int = BATCH) -> int:
    """Pending lots past their pending period become available, a batch of members at a time:
    accounts locked in id order, lots and accounts changed by set-based statements. Members who
    owe points go lot by lot (their debt is settled from what becomes available)."""
    members = repository.members_with_due_lots(session, shop.id, now, batch)
    accounts = repository.lock_accounts(session, shop.id, members)
    owing = [customer_id for customer_id, account in accounts.items() if account.debt > 0]
    released = sum(_release_one_by_one(session, shop, customer_id, now) for customer_id in owing)
    lots = repository.due_lot_rows(session, shop.id, sorted(set(accounts) - set(owing)), now)
    repository.make_available(session, shop.id, [lot.id for lot in lots])
    points = _post_for_lots(session, shop, lots, "release", texts_for(shop).gettext(AVAILABLE), now,
                            lambda lot: {"pending": -lot.remaining, "available": lot.remaining})
    record_domain_events(session, shop.id, [NewDomainEvent("points.available", "customer", customer_id, customer_id,
                                                           now, {"points": amount})
                                            for customer_id, amount in sorted(points.items()) if amount])
    return released + sum(points.values())


def _release_one_by_one(session: Session, shop: Shop, customer_id: int, now: datetime) -> int:
    account = ledger.open_account(session, shop.id, customer_id, now)
    texts = texts_for(shop)
    points = sum(ledger.release(session, account, lot, now, texts.gettext(AVAILABLE), settled_text(texts))
                 for lot in repository.due_lots_of_member(session, shop.id, customer_id, now))
    if points:
        record_domain_events(session, shop.id, [NewDomainEvent(
            "points.available", "customer", customer_id, customer_id, now, {"points": points})])
    return points


def expire_due(session: Session, shop: Shop, program: LoyaltyProgram, now: datetime, batch: int = BATCH) -> int:
    """Void what is left of expired lots (lot age), or of every lot of members inactive too long,
    a batch of members at a time (accounts locked in id order, set-based statements)."""
    if program.expiry_policy == "lot_age":
        members = repository.members_with_expired_lots(session, shop.id, now, batch)
        accounts = repository.lock_accounts(session, shop.id, members)
        lots = repository.expired_lot_rows(session, shop.id, sorted(accounts), now)
        reason = texts_for(shop).gettext("Points expired")
    elif program.expiry_policy == "inactivity":
        cutoff = rules.inactive_since(now, program.expiry_months)
        accounts = repository.lock_accounts(session, shop.id, repository.inactive_members(session, shop.id, cutoff, batch))
        still_inactive = [customer_id for customer_id, account in accounts.items()
                          if ensure_utc(account.last_purchase_at or account.joined_at) < cutoff]
        lots = repository.lot_rows_with_points(session, shop.id, still_inactive)
        reason = texts_for(shop).gettext("Points expired after %(months)s months without a purchase",
                                         months=program.expiry_months)
    else:
        return 0
    repository.void_lots(session, shop.id, [lot.id for lot in lots])
    points = _post_for_lots(session, shop, lots, "expire", reason, now,
                            lambda lot: {lot.state: -lot.remaining, "expired": lot.remaining})
    record_domain_events(session, shop.id, [NewDomainEvent("points.expired", "customer", customer_id, customer_id,
                                                           now, {"points": amount})
                                            for customer_id, amount in sorted(points.items()) if amount])
    return sum(points.values())


def _post_for_lots(session: Session, shop: Shop, lots: list[Any], kind: str, description: str, now: datetime,
                   deltas_of: Callable[[Any], dict[str, int]]) -> dict[int, int]:
    """One entry per lot and the accounts' balances moved by the same deltas, in batch statements.
    Returns the points per member."""
    entries, by_member = [], defaultdict(lambda: dict.fromkeys(ledger.STATE_COLUMNS, 0))
    points: dict[int, int] = defaultdict(int)
    for lot in lots:
        points[lot.customer_id] += lot.remaining
        deltas = deltas_of(lot)
        entries.append({"shop_id": shop.id, "id": None, "customer_id": lot.customer_id, "lot_id": lot.id, "kind": kind,
                        "operation": f"{kind}:{lot.id}", "description": description, "note": None,
                        "rule_id": lot.rule_id, "order_id": lot.order_id, "order_line_id": lot.order_line_id,
                        "redemption_id": None, "actor": f"job:loyalty.{kind}", "created_at": now}
                       | {f"{state}_delta": deltas.get(state, 0) for state in ledger.STATE_COLUMNS})
        for state, change in deltas.items():
            by_member[lot.customer_id][state] += change
    for entry, entry_id in zip(entries, allocate_ids(session, "loyalty_entries", len(entries)), strict=True):
        entry["id"] = entry_id
    insert_rows(session, LedgerEntry.__table__, entries)
    repository.move_balances(session, shop.id, by_member, now)
    return points


def warn_expiring(session: Session, shop: Shop, program: LoyaltyProgram, now: datetime, batch: int = BATCH) -> int:
    """One ``points.expiring`` event per member and expiry day, ``expiry_warning_days`` ahead
    (for flows: "your points expire soon"). Each lot is warned about once."""
    if program.expiry_policy != "lot_age" or program.expiry_warning_days <= 0:
        return 0
    lots = repository.lots_to_warn(session, shop.id, now, now + timedelta(days=program.expiry_warning_days), batch)
    grouped: dict[tuple[int, str], int] = defaultdict(int)
    for customer_id, expires_at, remaining in repository.claim_warnings(session, shop.id, [lot.id for lot in lots], now):
        grouped[(customer_id, ensure_utc(expires_at).date().isoformat())] += remaining
    record_domain_events(session, shop.id, [
        NewDomainEvent("points.expiring", "customer", customer_id, customer_id, now,
                       {"points": points, "expires_on": day})
        for (customer_id, day), points in sorted(grouped.items())])
    return len(grouped)
