"""Queries of the customer club. Every one filters by shop, and flushes first: sessions run with
autoflush off, and the club reads back (with ``populate_existing``) what it has just written."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session

from lojal.db.types import UTCDateTime
from lojal.db.upsert import insert_ignoring_conflicts
from lojal.models import (
    EarningRule,
    LedgerEntry,
    LoyaltyAccount,
    LoyaltyProgram,
    MemberOffer,
    PointLot,
    Redemption,
    Reward,
    Shop,
    Tier,
)

accounts = LoyaltyAccount.__table__


def program(session: Session, shop_id: int) -> LoyaltyProgram | None:
    session.flush()
    return session.get(LoyaltyProgram, shop_id)


def shops_with_programs(session: Session) -> list[tuple[Shop, LoyaltyProgram]]:
    session.flush()
    query = select(Shop, LoyaltyProgram).join(LoyaltyProgram, LoyaltyProgram.shop_id == Shop.id)
    return [(shop, program) for shop, program in session.execute(query.where(LoyaltyProgram.enabled.is_(True)))]


def current_rules(session: Session, shop_id: int) -> list[EarningRule]:
    """The live version of every rule (retired versions stay for the lots that name them)."""
    session.flush()
    query = select(EarningRule).where(EarningRule.shop_id == shop_id, EarningRule.retired_at.is_(None))
    return list(session.scalars(query.order_by(EarningRule.kind, EarningRule.id)))


def rules_by_id(session: Session, shop_id: int, rule_ids: Sequence[int]) -> dict[int, EarningRule]:
    session.flush()
    if not rule_ids:
        return {}
    query = select(EarningRule).where(EarningRule.shop_id == shop_id, EarningRule.id.in_(sorted(set(rule_ids))))
    return {rule.id: rule for rule in session.scalars(query)}


def rule_versions(session: Session, shop_id: int, key: str) -> list[EarningRule]:
    session.flush()
    query = select(EarningRule).where(EarningRule.shop_id == shop_id, EarningRule.key == key)
    return list(session.scalars(query.order_by(EarningRule.version)))


def ensure_account(session: Session, shop_id: int, customer_id: int, now: datetime) -> None:
    ensure_accounts(session, shop_id, [customer_id], now)


def lock_account(session: Session, shop_id: int, customer_id: int) -> LoyaltyAccount | None:
    """The member's account, locked until the transaction ends: PostgreSQL takes the row lock,
    SQLite's write lock is taken by touching the row (one writer at a time)."""
    session.flush()
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(accounts).where(accounts.c.shop_id == shop_id, accounts.c.customer_id == customer_id)
                        .values(shop_id=accounts.c.shop_id))
    query = (select(LoyaltyAccount).where(LoyaltyAccount.shop_id == shop_id, LoyaltyAccount.customer_id == customer_id)
             .with_for_update().execution_options(populate_existing=True))
    return session.scalars(query).first()


def ensure_accounts(session: Session, shop_id: int, customer_ids: Sequence[int], now: datetime) -> None:
    """Make the members' accounts that do not exist yet (a concurrent maker wins quietly)."""
    session.flush()
    rows = [{"shop_id": shop_id, "customer_id": customer_id, "pending": 0, "available": 0, "spent": 0, "expired": 0,
             "reversed": 0, "debt": 0, "lifetime_earned": 0, "tier_id": None, "tier_since": None,
             "tier_review_at": None, "manual_tier_until": None, "joined_at": now, "last_purchase_at": None,
             "updated_at": now} for customer_id in sorted(set(customer_ids))]
    insert_ignoring_conflicts(session, accounts, rows, ["shop_id", "customer_id"])


def lock_accounts(session: Session, shop_id: int, customer_ids: Sequence[int]) -> dict[int, Any]:
    """Many members' accounts as plain rows, locked in customer id order (so two batches that
    share members queue instead of deadlocking)."""
    session.flush()
    if not customer_ids:
        return {}
    ids = sorted(set(customer_ids))
    where = (accounts.c.shop_id == shop_id) & accounts.c.customer_id.in_(ids)
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(accounts).where(where).values(shop_id=accounts.c.shop_id))
    query = select(accounts).where(where).order_by(accounts.c.customer_id).with_for_update()
    return {row.customer_id: row for row in session.execute(query)}


def add_to_accounts(session: Session, shop_id: int, deltas: dict[int, dict[str, Any]], now: datetime) -> None:
    """Add earned points to many accounts in one statement: ``{customer_id: {"pending", "available",
    "earned", "last"}}`` (``last``: the latest purchase among them)."""
    if not deltas:
        return
    last = bindparam("b_last", type_=UTCDateTime())
    statement = update(accounts).where(accounts.c.shop_id == bindparam("b_shop"),
                                       accounts.c.customer_id == bindparam("b_customer")).values(
        pending=accounts.c.pending + bindparam("b_pending"), available=accounts.c.available + bindparam("b_available"),
        lifetime_earned=accounts.c.lifetime_earned + bindparam("b_earned"),
        last_purchase_at=case((accounts.c.last_purchase_at.is_(None), last),
                              (accounts.c.last_purchase_at < last, last), else_=accounts.c.last_purchase_at),
        updated_at=bindparam("b_now", type_=UTCDateTime()))
    session.execute(statement, [{"b_shop": shop_id, "b_customer": customer_id, "b_pending": delta["pending"],
                                 "b_available": delta["available"], "b_earned": delta["earned"], "b_last": delta["last"],
                                 "b_now": now} for customer_id, delta in sorted(deltas.items())])


def set_tiers(session: Session, shop_id: int, changes: list[tuple[int, int]], now: datetime,
              review_at: datetime | None) -> None:
    """Put members in tiers (``(customer_id, tier_id)``), reached now, reviewed at ``review_at``."""
    if not changes:
        return
    statement = update(accounts).where(accounts.c.shop_id == bindparam("b_shop"),
                                       accounts.c.customer_id == bindparam("b_customer")).values(
        tier_id=bindparam("b_tier"), tier_since=bindparam("b_now", type_=UTCDateTime()),
        tier_review_at=bindparam("b_review", type_=UTCDateTime()), updated_at=bindparam("b_now", type_=UTCDateTime()))
    session.execute(statement, [{"b_shop": shop_id, "b_customer": customer_id, "b_tier": tier_id, "b_now": now,
                                 "b_review": review_at} for customer_id, tier_id in sorted(changes)])


def lots_of_orders(session: Session, shop_id: int, order_ids: Sequence[int]) -> dict[int, list[Any]]:
    """The lots of many orders as plain rows, by order (orders without lots are left out)."""
    session.flush()
    grouped: dict[int, list[Any]] = {}
    if not order_ids:
        return grouped
    lots = PointLot.__table__
    query = select(lots).where(lots.c.shop_id == shop_id, lots.c.order_id.in_(sorted(set(order_ids))))
    for row in session.execute(query.order_by(lots.c.order_id, lots.c.id)):
        grouped.setdefault(row.order_id, []).append(row)
    return grouped


def account(session: Session, shop_id: int, customer_id: int) -> LoyaltyAccount | None:
    session.flush()
    return session.get(LoyaltyAccount, (shop_id, customer_id))


def lot_by_source(session: Session, shop_id: int, source_key: str) -> PointLot | None:
    session.flush()
    query = select(PointLot).where(PointLot.shop_id == shop_id, PointLot.source_key == source_key)
    return session.scalars(query.execution_options(populate_existing=True)).first()


def lots_of_order(session: Session, shop_id: int, order_id: int) -> list[PointLot]:
    session.flush()
    query = select(PointLot).where(PointLot.shop_id == shop_id, PointLot.order_id == order_id)
    return list(session.scalars(query.order_by(PointLot.id).execution_options(populate_existing=True)))


def spendable_lots(session: Session, shop_id: int, customer_id: int) -> list[PointLot]:
    """Available lots with points left, oldest first (read under the account's lock)."""
    session.flush()
    query = select(PointLot).where(PointLot.shop_id == shop_id, PointLot.customer_id == customer_id,
                                   PointLot.state == "available", PointLot.remaining > 0)
    query = query.order_by(PointLot.earned_at, PointLot.id).execution_options(populate_existing=True)
    return list(session.scalars(query))


def lots_of_member(session: Session, shop_id: int, customer_id: int) -> list[PointLot]:
    session.flush()
    query = select(PointLot).where(PointLot.shop_id == shop_id, PointLot.customer_id == customer_id)
    return list(session.scalars(query.order_by(PointLot.earned_at, PointLot.id).execution_options(populate_existing=True)))


def lots_by_id(session: Session, shop_id: int, lot_ids: Sequence[int]) -> dict[int, PointLot]:
    session.flush()
    if not lot_ids:
        return {}
    query = select(PointLot).where(PointLot.shop_id == shop_id, PointLot.id.in_(sorted(set(lot_ids))))
    return {lot.id: lot for lot in session.scalars(query.execution_options(populate_existing=True))}


def members_with_due_lots(session: Session, shop_id: int, now: datetime, limit: int) -> list[int]:
    """Members with a pending lot whose pending period has passed."""
    session.flush()
    query = (select(PointLot.customer_id).where(PointLot.shop_id == shop_id, PointLot.state == "pending",
                                                PointLot.remaining > 0, PointLot.available_at <= now)
             .group_by(PointLot.customer_id).order_by(PointLot.customer_id).limit(limit))
    return list(session.scalars(query))


def due_lots_of_member(session: Session, shop_id: int, customer_id: int, now: datetime) -> list[PointLot]:
    session.flush()
    query = select(PointLot).where(PointLot.shop_id == shop_id, PointLot.customer_id == customer_id,
                                   PointLot.state == "pending", PointLot.available_at <= now)
    return list(session.scalars(query.order_by(PointLot.id).execution_options(populate_existing=True)))


def members_with_expired_lots(session: Session, shop_id: int, now: datetime, limit: int) -> list[int]:
    session.flush()
    query = (select(PointLot.customer_id).where(PointLot.shop_id == shop_id, PointLot.remaining > 0,
                                                PointLot.expires_at <= now)
             .group_by(PointLot.customer_id).order_by(PointLot.customer_id).limit(limit))
    return list(session.scalars(query))


def expired_lots_of_member(session: Session, shop_id: int, customer_id: int, now: datetime) -> list[PointLot]:
    session.flush()
    query = select(PointLot).where(PointLot.shop_id == shop_id, PointLot.customer_id == customer_id,
                                   PointLot.remaining > 0, PointLot.expires_at <= now)
    return list(session.scalars(query.order_by(PointLot.id).execution_options(populate_existing=True)))


def inactive_members(session: Session, shop_id: int, cutoff: datetime, limit: int) -> list[int]:
    """Members with points left whose last purchase (or joining, without one) is before the cutoff."""
    session.flush()
    last_seen = func.coalesce(LoyaltyAccount.last_purchase_at, LoyaltyAccount.joined_at)
    query = (select(LoyaltyAccount.customer_id)
             .where(LoyaltyAccount.shop_id == shop_id, LoyaltyAccount.pending + LoyaltyAccount.available > 0,
                    last_seen < cutoff)
             .order_by(LoyaltyAccount.customer_id).limit(limit))
    return list(session.scalars(query))


def lots_to_warn(session: Session, shop_id: int, now: datetime, until: datetime, limit: int) -> list[PointLot]:
    session.flush()
    query = select(PointLot).where(PointLot.shop_id == shop_id, PointLot.remaining > 0,
                                   PointLot.expires_at > now, PointLot.expires_at <= until,
                                   PointLot.expiry_warned_at.is_(None))
    return list(session.scalars(query.order_by(PointLot.customer_id, PointLot.id).limit(limit)))


def claim_warnings(session: Session, shop_id: int, lot_ids: Sequence[int], now: datetime) -> list[Any]:
    """Mark lots as warned about, returning only those this call marked (a concurrent run that
    marked them first wins), as (customer_id, expires_at, remaining)."""
    session.flush()
    if not lot_ids:
        return []
    lots = PointLot.__table__
    statement = (update(lots).where(lots.c.shop_id == shop_id, lots.c.id.in_(sorted(set(lot_ids))),
                                    lots.c.expiry_warned_at.is_(None))
                 .values(expiry_warned_at=now).returning(lots.c.customer_id, lots.c.expires_at, lots.c.remaining))
    return list(session.execute(statement))


def entries_of_member(session: Session, shop_id: int, customer_id: int, *, limit: int,
                      before_id: int | None = None) -> list[LedgerEntry]:
    session.flush()
    query = select(LedgerEntry).where(LedgerEntry.shop_id == shop_id, LedgerEntry.customer_id == customer_id)
    if before_id is not None:
        query = query.where(LedgerEntry.id < before_id)
    return list(session.scalars(query.order_by(LedgerEntry.id.desc()).limit(limit)))


def spend_entries_of_redemption(session: Session, shop_id: int, redemption_id: int) -> list[LedgerEntry]:
    session.flush()
    query = select(LedgerEntry).where(LedgerEntry.shop_id == shop_id, LedgerEntry.redemption_id == redemption_id)
    return list(session.scalars(query.order_by(LedgerEntry.id)))


def ledger_sums(session: Session, shop_id: int, customer_id: int) -> dict[str, int]:
    session.flush()
    columns = ("pending", "available", "spent", "expired", "reversed", "debt", "earned")
    row = session.execute(select(*[func.coalesce(func.sum(getattr(LedgerEntry, f"{name}_delta")), 0) for name in columns])
                          .where(LedgerEntry.shop_id == shop_id, LedgerEntry.customer_id == customer_id)).one()
    return dict(zip(columns, (int(value) for value in row), strict=True))


def action_count(session: Session, shop_id: int, customer_id: int, rule_key: str, since: datetime | None) -> int:
    session.flush()
    query = select(func.count()).select_from(PointLot).where(
        PointLot.shop_id == shop_id, PointLot.customer_id == customer_id,
        PointLot.source_key.like(f"action:{rule_key}:%"))
    if since is not None:
        query = query.where(PointLot.earned_at >= since)
    return session.scalar(query) or 0


def tiers(session: Session, shop_id: int, *, active_only: bool = True) -> list[Tier]:
    session.flush()
    query = select(Tier).where(Tier.shop_id == shop_id)
    if active_only:
        query = query.where(Tier.active.is_(True))
    return list(session.scalars(query.order_by(Tier.position)))


def rewards(session: Session, shop_id: int, *, active_only: bool = False) -> list[Reward]:
    session.flush()
    query = select(Reward).where(Reward.shop_id == shop_id)
    if active_only:
        query = query.where(Reward.active.is_(True))
    return list(session.scalars(query.order_by(Reward.points_cost, Reward.id)))


def reward(session: Session, shop_id: int, reward_id: int, *, lock: bool = False) -> Reward | None:
    session.flush()
    query = select(Reward).where(Reward.shop_id == shop_id, Reward.id == reward_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).first()


def redemption(session: Session, shop_id: int, redemption_id: int) -> Redemption | None:
    session.flush()
    query = select(Redemption).where(Redemption.shop_id == shop_id, Redemption.id == redemption_id)
    return session.scalars(query.execution_options(populate_existing=True)).first()


def redemption_by_code(session: Session, shop_id: int, code: str) -> Redemption | None:
    session.flush()
    query = select(Redemption).where(Redemption.shop_id == shop_id, func.upper(Redemption.code) == code.upper())
    return session.scalars(query.execution_options(populate_existing=True)).first()


def redemptions_of_member(session: Session, shop_id: int, customer_id: int, limit: int = 100) -> list[Redemption]:
    session.flush()
    query = select(Redemption).where(Redemption.shop_id == shop_id, Redemption.customer_id == customer_id)
    return list(session.scalars(query.order_by(Redemption.id.desc()).limit(limit)))


def redemption_count(session: Session, shop_id: int, customer_id: int, reward_id: int) -> int:
    session.flush()
    query = select(func.count()).select_from(Redemption).where(
        Redemption.shop_id == shop_id, Redemption.customer_id == customer_id, Redemption.reward_id == reward_id,
        Redemption.status != "cancelled")
    return session.scalar(query) or 0


def codes_in(session: Session, shop_id: int, codes: Sequence[str]) -> list[Redemption]:
    session.flush()
    if not codes:
        return []
    query = select(Redemption).where(Redemption.shop_id == shop_id,
                                     func.upper(Redemption.code).in_([code.upper() for code in codes]))
    return list(session.scalars(query.execution_options(populate_existing=True)))


def expired_codes(session: Session, shop_id: int, now: datetime, limit: int) -> list[Redemption]:
    session.flush()
    query = select(Redemption).where(Redemption.shop_id == shop_id, Redemption.status == "issued",
                                     Redemption.expires_at <= now)
    return list(session.scalars(query.order_by(Redemption.customer_id, Redemption.id).limit(limit)))


def offer_by_code(session: Session, shop_id: int, code: str) -> MemberOffer | None:
    session.flush()
    query = select(MemberOffer).where(MemberOffer.shop_id == shop_id, func.upper(MemberOffer.code) == code.upper())
    return session.scalars(query).first()


def offers(session: Session, shop_id: int) -> list[MemberOffer]:
    session.flush()
    return list(session.scalars(select(MemberOffer).where(MemberOffer.shop_id == shop_id).order_by(MemberOffer.id)))


def accounts_due_for_review(session: Session, shop_id: int, now: datetime, limit: int) -> list[int]:
    session.flush()
    query = (select(LoyaltyAccount.customer_id)
             .where(LoyaltyAccount.shop_id == shop_id,
                    or_(LoyaltyAccount.tier_review_at <= now, LoyaltyAccount.manual_tier_until <= now))
             .order_by(LoyaltyAccount.customer_id).limit(limit))
    return list(session.scalars(query))


def points_earned_since(session: Session, shop_id: int, customer_id: int, since: datetime | None) -> int:
    session.flush()
    query = select(func.coalesce(func.sum(LedgerEntry.earned_delta - LedgerEntry.reversed_delta), 0)).where(
        LedgerEntry.shop_id == shop_id, LedgerEntry.customer_id == customer_id)
    if since is not None:
        query = query.where(LedgerEntry.created_at >= since)
    return int(session.scalar(query) or 0)


def program_numbers(session: Session, shop_id: int, since: datetime) -> dict[str, Any]:
    session.flush()
    totals = session.execute(select(
        func.count(), func.coalesce(func.sum(LoyaltyAccount.pending), 0),
        func.coalesce(func.sum(LoyaltyAccount.available - LoyaltyAccount.debt), 0),
        func.coalesce(func.sum(LoyaltyAccount.lifetime_earned), 0), func.coalesce(func.sum(LoyaltyAccount.spent), 0),
        func.coalesce(func.sum(LoyaltyAccount.expired), 0), func.coalesce(func.sum(LoyaltyAccount.reversed), 0),
    ).where(LoyaltyAccount.shop_id == shop_id)).one()
    recent = session.execute(select(
        func.coalesce(func.sum(LedgerEntry.earned_delta), 0), func.coalesce(func.sum(LedgerEntry.spent_delta), 0),
    ).where(LedgerEntry.shop_id == shop_id, LedgerEntry.created_at >= since)).one()
    names = ("members", "pending", "available", "earned", "spent", "expired", "reversed")
    return dict(zip(names, (int(value) for value in totals), strict=True)) | {
        "earned_recently": int(recent[0]), "spent_recently": int(recent[1])}


def points_earned_by_customer(session: Session, shop_id: int, customer_ids: Sequence[int],
                              since: datetime | None) -> dict[int, int]:
    session.flush()
    if not customer_ids:
        return {}
    query = select(LedgerEntry.customer_id, func.coalesce(func.sum(LedgerEntry.earned_delta - LedgerEntry.reversed_delta), 0)
                   ).where(LedgerEntry.shop_id == shop_id, LedgerEntry.customer_id.in_(sorted(set(customer_ids))))
    if since is not None:
        query = query.where(LedgerEntry.created_at >= since)
    return {customer_id: int(total) for customer_id, total in session.execute(query.group_by(LedgerEntry.customer_id))}


def all_rule_versions(session: Session, shop_id: int) -> list[EarningRule]:
    """Every version of every rule, by key, newest version first."""
    session.flush()
    query = select(EarningRule).where(EarningRule.shop_id == shop_id)
    return list(session.scalars(query.order_by(EarningRule.key, EarningRule.version.desc())))


def redemptions_by_reward_and_status(session: Session, shop_id: int) -> list[tuple[int, str, int]]:
    session.flush()
    query = (select(Redemption.reward_id, Redemption.status, func.count()).where(Redemption.shop_id == shop_id)
             .group_by(Redemption.reward_id, Redemption.status))
    return [(reward_id, status, int(count)) for reward_id, status, count in session.execute(query)]


CHUNK = 10000
"""Ids per IN list (SQLite takes at most 32,766 parameters in a statement)."""


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    ordered = sorted(set(ids))
    return [ordered[start:start + CHUNK] for start in range(0, len(ordered), CHUNK)]


def _lot_rows(session: Session, shop_id: int, customer_ids: Sequence[int], *conditions: Any) -> list[Any]:
    session.flush()
    lots = PointLot.__table__
    rows: list[Any] = []
    for chunk in _chunks(customer_ids):
        query = select(lots).where(lots.c.shop_id == shop_id, lots.c.customer_id.in_(chunk), *conditions)
        rows.extend(session.execute(query.order_by(lots.c.customer_id, lots.c.id)))
    return rows


def due_lot_rows(session: Session, shop_id: int, customer_ids: Sequence[int], now: datetime) -> list[Any]:
    """Pending lots of these members whose pending period has passed (plain rows)."""
    lots = PointLot.__table__
    return _lot_rows(session, shop_id, customer_ids, lots.c.state == "pending", lots.c.available_at <= now)


def expired_lot_rows(session: Session, shop_id: int, customer_ids: Sequence[int], now: datetime) -> list[Any]:
    lots = PointLot.__table__
    return _lot_rows(session, shop_id, customer_ids, lots.c.remaining > 0, lots.c.expires_at <= now)


def lot_rows_with_points(session: Session, shop_id: int, customer_ids: Sequence[int]) -> list[Any]:
    return _lot_rows(session, shop_id, customer_ids, PointLot.__table__.c.remaining > 0)


def make_available(session: Session, shop_id: int, lot_ids: Sequence[int]) -> None:
    lots = PointLot.__table__
    for chunk in _chunks(lot_ids):
        session.execute(update(lots).where(lots.c.shop_id == shop_id, lots.c.id.in_(chunk)).values(state="available"))


def void_lots(session: Session, shop_id: int, lot_ids: Sequence[int]) -> None:
    """What is left of these lots expires."""
    lots = PointLot.__table__
    for chunk in _chunks(lot_ids):
        session.execute(update(lots).where(lots.c.shop_id == shop_id, lots.c.id.in_(chunk))
                        .values(expired=lots.c.expired + lots.c.remaining, remaining=0))


def move_balances(session: Session, shop_id: int, deltas: dict[int, dict[str, int]], now: datetime) -> None:
    """Add each member's deltas by state (the ledger's state names) to their account, in one statement."""
    if not deltas:
        return
    columns = {state: ("lifetime_earned" if state == "earned" else state) for state in
               ("pending", "available", "spent", "expired", "reversed", "debt", "earned")}
    statement = update(accounts).where(accounts.c.shop_id == bindparam("b_shop"),
                                       accounts.c.customer_id == bindparam("b_customer")).values(
        {column: accounts.c[column] + bindparam(f"b_{state}") for state, column in columns.items()}
        | {"updated_at": bindparam("b_now", type_=UTCDateTime())})
    session.execute(statement, [{"b_shop": shop_id, "b_customer": customer_id, "b_now": now}
                                | {f"b_{state}": delta.get(state, 0) for state in columns}
                                for customer_id, delta in sorted(deltas.items())])


def operation_done(session: Session, shop_id: int, customer_id: int, operation: str) -> bool:
    session.flush()
    query = select(LedgerEntry.id).where(LedgerEntry.shop_id == shop_id, LedgerEntry.customer_id == customer_id,
                                         LedgerEntry.operation == operation).limit(1)
    return session.scalar(query) is not None


def redemption_counts_of_member(session: Session, shop_id: int, customer_id: int) -> dict[int, int]:
    """Redemptions per reward of one member, cancelled ones left out."""
    session.flush()
    query = (select(Redemption.reward_id, func.count()).where(
        Redemption.shop_id == shop_id, Redemption.customer_id == customer_id, Redemption.status != "cancelled")
        .group_by(Redemption.reward_id))
    return {reward_id: int(count) for reward_id, count in session.execute(query)}
