"""The points ledger: every change of a member's points is an entry, written here and nowhere
else, under the lock of the member's account.

Invariants (proved by tests/loyalty/test_ledger_properties.py after every step):
- an account's balances by state are the sums of its entries' deltas;
- the pending and available balances are the points left in its pending and available lots;
- every lot: earned - reversed + uncollected = remaining + spent + expired + settled, all >= 0;
- the debt is never negative, and is only ever non-zero where the programme allows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from lojal.errors import Conflict, ValidationFailed
from lojal.loyalty import repository
from lojal.models import LedgerEntry, LoyaltyAccount, LoyaltyProgram, PointLot

STATE_COLUMNS = ("pending", "available", "spent", "expired", "reversed", "debt", "earned")


@dataclass(frozen=True)
class Cause:
    """Why an entry exists: for the customer (``description``), for the merchant (``note``), and who."""

    description: str
    actor: str = "system"
    note: str | None = None
    operation: str = ""
    rule_id: int | None = None
    order_id: int | None = None
    order_line_id: int | None = None
    redemption_id: int | None = None


def open_account(session: Session, shop_id: int, customer_id: int, now: datetime) -> LoyaltyAccount:
    """The member's account (made on first use), locked until the transaction ends."""
    repository.ensure_account(session, shop_id, customer_id, now)
    account = repository.lock_account(session, shop_id, customer_id)
    assert account is not None
    return account


def post(session: Session, account: LoyaltyAccount, kind: str, cause: Cause, now: datetime, *,
         lot: PointLot | None = None, **deltas: int) -> LedgerEntry:
    """Append one entry and apply its deltas to the account's balances."""
    unknown = set(deltas) - set(STATE_COLUMNS)
    if unknown:
        raise ValueError(f"unknown ledger states: {sorted(unknown)}")
    for state in STATE_COLUMNS:
        change = deltas.get(state, 0)
        if change:
            column = "lifetime_earned" if state == "earned" else state
            setattr(account, column, getattr(account, column) + change)
    account.updated_at = now
    entry = LedgerEntry(shop_id=account.shop_id, customer_id=account.customer_id, lot_id=lot.id if lot else None,
                        kind=kind, operation=cause.operation or kind, description=cause.description[:500],
                        note=cause.note, rule_id=cause.rule_id, order_id=cause.order_id,
                        order_line_id=cause.order_line_id, redemption_id=cause.redemption_id, actor=cause.actor,
                        created_at=now, **{f"{state}_delta": deltas.get(state, 0) for state in STATE_COLUMNS})
    session.add(entry)
    return entry


def new_lot(session: Session, account: LoyaltyAccount, source_key: str, *, earned_at: datetime,
            available_at: datetime, expires_at: datetime | None, now: datetime, rule_id: int | None = None,
            order_id: int | None = None, order_line_id: int | None = None) -> PointLot:
    lot = PointLot(shop_id=account.shop_id, customer_id=account.customer_id, source_key=source_key, rule_id=rule_id,
                   order_id=order_id, order_line_id=order_line_id,
                   state="available" if available_at <= now else "pending", earned=0, reversed=0, uncollected=0,
                   remaining=0, spent=0, expired=0, settled=0, earned_at=earned_at, available_at=available_at,
                   expires_at=expires_at)
    session.add(lot)
    session.flush()
    return lot


def set_lot_target(session: Session, account: LoyaltyAccount, program: LoyaltyProgram, lot: PointLot, target: int,
                   cause: Cause, now: datetime, settled: str = "Points owed from a refund were settled") -> int:
    """Bring what the lot keeps (earned - reversed) to ``target``: more points are earned into it,
    fewer are taken back from it. Running it again with the same target changes nothing."""
    change = target - (lot.earned - lot.reversed)
    if change > 0:
        lot.earned += change
        lot.remaining += change
        post(session, account, "earn", cause, now, lot=lot, earned=change, **{lot.state: change})
        settle_debt(session, account, lot, now, settled)
    elif change < 0:
        take_back(session, account, program, lot, -change, cause, now)
    return change


def take_back(session: Session, account: LoyaltyAccount, program: LoyaltyProgram, lot: PointLot, points: int,
              cause: Cause, now: datetime) -> None:
    """Reverse points of a lot: from what is left of it; what was spent already becomes debt where
    the programme allows a negative balance, and is written off where it does not."""
    taken = min(points, lot.remaining)
    shortfall = points - taken
    lot.remaining -= taken
    lot.reversed += points
    lot.uncollected += shortfall
    debt = shortfall if program.allow_negative_balance else 0
    post(session, account, "reverse", cause, now, lot=lot, reversed=points, debt=debt, **{lot.state: -taken})
    if shortfall and not debt:
        post(session, account, "write_off", Cause(cause.description, cause.actor,
             f"{shortfall} points had been spent already and are written off", cause.operation, cause.rule_id,
             cause.order_id, cause.order_line_id), now, lot=lot)


def settle_debt(session: Session, account: LoyaltyAccount, lot: PointLot, now: datetime,
                description: str = "Points owed from a refund were settled") -> None:
    """Points owed from an earlier clawback are paid out of a lot as soon as it is available."""
    if account.debt <= 0 or lot.state != "available" or lot.remaining <= 0:
        return
    paid = min(account.debt, lot.remaining)
    lot.remaining -= paid
    lot.settled += paid
    post(session, account, "settle", Cause(description, operation=f"settle:{lot.id}"),
         now, lot=lot, available=-paid, debt=-paid)


def spend(session: Session, account: LoyaltyAccount, points: int, cause: Cause, now: datetime, *,
          kind: str = "spend") -> list[LedgerEntry]:
    """Take points from the oldest available lots first. The caller holds the account's lock."""
    if points <= 0:
        raise ValidationFailed("points must be a positive whole number", field="points")
    balance = account.available - account.debt
    if points > balance:
        raise Conflict(f"not enough points: {balance} available, {points} needed", field="points")
    entries, left = [], points
    for lot in repository.spendable_lots(session, account.shop_id, account.customer_id):
        taken = min(left, lot.remaining)
        lot.remaining -= taken
        lot.spent += taken
        entries.append(post(session, account, kind, cause, now, lot=lot, available=-taken, spent=taken))
        left -= taken
        if left == 0:
            break
    if left:  # the balance and the lots disagree: refuse rather than write a lie
        raise RuntimeError(f"account {account.customer_id} balance does not match its lots")
    return entries


def give_back(session: Session, account: LoyaltyAccount, entries: list[LedgerEntry], cause: Cause,
              now: datetime) -> int:
    """Undo spend entries: each lot gets back what was taken from it. Of what returns to a lot
    that was clawed back meanwhile, the part owed is collected first."""
    lots = repository.lots_by_id(session, account.shop_id, [entry.lot_id for entry in entries if entry.lot_id])
    returned = 0
    for entry in entries:
        lot, points = lots[entry.lot_id], entry.spent_delta  # type: ignore[index]
        collected = min(points, lot.uncollected)
        lot.uncollected -= collected
        lot.spent -= points
        lot.remaining += points - collected
        debt = -min(collected, account.debt)
        post(session, account, "spend_cancel", cause, now, lot=lot, spent=-points, debt=debt,
             **{lot.state: points - collected})
        returned += points - collected
    return returned


def release(session: Session, account: LoyaltyAccount, lot: PointLot, now: datetime,
            description: str = "Points are now available", settled: str = "Points owed from a refund were settled") -> int:
    """A pending lot whose pending period has passed becomes available."""
    if lot.state != "pending":
        return 0
    points = lot.remaining
    lot.state = "available"
    post(session, account, "release", Cause(description, operation=f"release:{lot.id}",
                                            order_id=lot.order_id, rule_id=lot.rule_id),
         now, lot=lot, pending=-points, available=points)
    settle_debt(session, account, lot, now, settled)
    return points


def expire(session: Session, account: LoyaltyAccount, lot: PointLot, reason: str, now: datetime) -> int:
    points = lot.remaining
    if points <= 0:
        return 0
    lot.remaining = 0
    lot.expired += points
    post(session, account, "expire", Cause(reason, "job:loyalty.expire", operation=f"expire:{lot.id}",
                                           order_id=lot.order_id), now, lot=lot, expired=points,
         **{lot.state: -points})
    return points


def check_invariants(session: Session, account: LoyaltyAccount, program: LoyaltyProgram) -> list[str]:
    """What is wrong with a member's ledger (nothing, when it adds up). Used by tests and ``lojal loyalty check``."""
    problems = []
    sums = repository.ledger_sums(session, account.shop_id, account.customer_id)
    for state in STATE_COLUMNS:
        column = "lifetime_earned" if state == "earned" else state
        if sums[state] != getattr(account, column):
            problems.append(f"{column}: account {getattr(account, column)} != ledger {sums[state]}")
    lots = repository.lots_of_member(session, account.shop_id, account.customer_id)
    for state in ("pending", "available"):
        in_lots = sum(lot.remaining for lot in lots if lot.state == state)
        if in_lots != getattr(account, state):
            problems.append(f"{state}: account {getattr(account, state)} != lots {in_lots}")
    for lot in lots:
        parts = (lot.earned, lot.reversed, lot.uncollected, lot.remaining, lot.spent, lot.expired, lot.settled)
        if min(parts) < 0 or lot.earned - lot.reversed + lot.uncollected != (
                lot.remaining + lot.spent + lot.expired + lot.settled):
            problems.append(f"lot {lot.id} ({lot.source_key}) does not add up: {parts}")
    if account.debt < 0 or (account.debt and not program.allow_negative_balance):
        problems.append(f"debt {account.debt} is not allowed")
    return problems
