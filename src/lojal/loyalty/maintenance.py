"""The club's housekeeping: pending points become available, points expire (with a warning
first), unused reward codes expire. Each works member by member under the account's lock and
re-reads what it changes after taking the lock, so running it twice, or in two workers at once,
does the work once."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from lojal.kit.clock import ensure_utc
from lojal.events.domain import NewDomainEvent, record_domain_events
from lojal.loyalty import ledger, repository, rules
from lojal.models import LoyaltyProgram, Shop

BATCH = 500


def release_due(session: Session, shop: Shop, now: datetime, batch: int = BATCH) -> int:
    """Pending lots past their pending period become available. Returns the points released."""
    released = 0
    for customer_id in repository.members_with_due_lots(session, shop.id, now, batch):
        account = ledger.open_account(session, shop.id, customer_id, now)
        points = sum(ledger.release(session, account, lot, now)
                     for lot in repository.due_lots_of_member(session, shop.id, customer_id, now))
        if points:
            record_domain_events(session, shop.id, [NewDomainEvent(
                "points.available", "customer", customer_id, customer_id, now,
                {"points": points, "available": account.available - account.debt})])
        released += points
    return released


def expire_due(session: Session, shop: Shop, program: LoyaltyProgram, now: datetime, batch: int = BATCH) -> int:
    """Void what is left of expired lots (lot age), or of every lot of members inactive too long."""
    expired = 0
    if program.expiry_policy == "lot_age":
        for customer_id in repository.members_with_expired_lots(session, shop.id, now, batch):
            account = ledger.open_account(session, shop.id, customer_id, now)
            points = sum(ledger.expire(session, account, lot, "Points expired", now)
                         for lot in repository.expired_lots_of_member(session, shop.id, customer_id, now))
            expired += _expired_event(session, shop, customer_id, points, now)
    elif program.expiry_policy == "inactivity":
        cutoff = rules.inactive_since(now, program.expiry_months)
        for customer_id in repository.inactive_members(session, shop.id, cutoff, batch):
            account = ledger.open_account(session, shop.id, customer_id, now)
            if (account.last_purchase_at or account.joined_at) >= cutoff:
                continue  # bought meanwhile
            reason = f"Points expired after {program.expiry_months} months without a purchase"
            points = sum(ledger.expire(session, account, lot, reason, now)
                         for lot in repository.lots_of_member(session, shop.id, customer_id) if lot.remaining > 0)
            expired += _expired_event(session, shop, customer_id, points, now)
    return expired


def _expired_event(session: Session, shop: Shop, customer_id: int, points: int, now: datetime) -> int:
    if points:
        record_domain_events(session, shop.id, [NewDomainEvent("points.expired", "customer", customer_id, customer_id,
                                                               now, {"points": points})])
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
