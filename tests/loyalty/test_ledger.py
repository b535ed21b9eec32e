"""The ledger through the services, on SQLite and PostgreSQL: earning, replays, pending
periods, refunds by the old rule version, spending oldest lots first, cancellations, expiry."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lojal.errors import Conflict
from lojal.loyalty import accrual, batch_accrual, ledger, maintenance, program, repository
from lojal.loyalty.schemas import ProgramIn, RuleIn
from lojal.models import Customer, DomainEvent, LedgerEntry, LoyaltyAccount, PointLot
from lojal.orders import service as orders
from tests.fixtures.api import ShopWithKeys
from tests.loyalty.helpers import T0, account_of, assert_ledger_adds_up, club, later, order_body, put_order, refund


def test_a_paid_order_earns_pending_points_per_line(db: Session, shop: ShopWithKeys) -> None:
    club(db, shop.shop)
    order_id = put_order(db, shop.shop, "o-1", order_body("c-1", [("l-1", 2, 3990), ("l-2", 1, 45900)]))
    lots = db.scalars(select(PointLot).where(PointLot.order_id == order_id).order_by(PointLot.id)).all()
    assert [(lot.earned, lot.remaining, lot.state) for lot in lots] == [(79, 79, "pending"), (459, 459, "pending")]
    account = account_of(db, shop.shop, lots[0].customer_id)
    assert (account.pending, account.available, account.lifetime_earned) == (538, 0, 538)
    entry = db.scalars(select(LedgerEntry).where(LedgerEntry.lot_id == lots[0].id)).one()
    assert entry.description == "Poeng for ordre o-1"  # the shop writes Norwegian and entry.rule_id is not None and entry.order_line_id
    assert_ledger_adds_up(db, shop.shop, account.customer_id)


def test_the_same_order_sent_again_earns_nothing_more(db: Session, shop: ShopWithKeys) -> None:
    club(db, shop.shop)
    body = order_body("c-1", [("l-1", 2, 3990)])
    order_id = put_order(db, shop.shop, "o-1", body)
    for _ in range(50):
        put_order(db, shop.shop, "o-1", body)
        accrual.sync_order(db, shop.shop, order_id, T0)
    assert db.scalar(select(func.count()).select_from(LedgerEntry)) == 1
    assert account_of(db, shop.shop, db.scalar(select(PointLot.customer_id))).pending == 79


def test_placed_orders_earn_when_paid_and_an_update_adjusts_the_same_lots(db: Session, shop: ShopWithKeys) -> None:
    club(db, shop.shop)
    order_id = put_order(db, shop.shop, "o-1", order_body("c-1", [("l-1", 1, 10000)], status="placed"))
    assert db.scalar(select(func.count()).select_from(PointLot)) == 0
    put_order(db, shop.shop, "o-1", order_body("c-1", [("l-1", 1, 10000)]))
    put_order(db, shop.shop, "o-1", order_body("c-1", [("l-1", 3, 10000)]))
    [lot] = db.scalars(select(PointLot).where(PointLot.order_id == order_id)).all()
    assert (lot.earned, lot.remaining) == (300, 300)
    kinds = db.scalars(select(LedgerEntry.kind).order_by(LedgerEntry.id)).all()
    assert kinds == ["earn", "earn"]
    put_order(db, shop.shop, "o-1", order_body("c-1", [("l-1", 3, 10000)], status="cancelled"))
    db.flush()
    db.refresh(lot)
    assert (lot.earned, lot.reversed, lot.remaining) == (300, 300, 0)
    assert_ledger_adds_up(db, shop.shop, lot.customer_id)


def test_pending_points_become_available_once(db: Session, shop: ShopWithKeys) -> None:
    club(db, shop.shop)
    put_order(db, shop.shop, "o-1", order_body("c-1", [("l-1", 1, 10000)]))
    customer_id = db.scalar(select(PointLot.customer_id))
    assert maintenance.release_due(db, shop.shop, later(13.9)) == 0
    assert maintenance.release_due(db, shop.shop, later(14)) == 100
    assert maintenance.release_due(db, shop.shop, later(15)) == 0
    account = account_of(db, shop.shop, customer_id)
    assert (account.pending, account.available) == (0, 100)
    assert db.scalar(select(func.count()).select_from(DomainEvent).where(DomainEvent.type == "points.available")) == 1


def test_a_refund_after_the_rule_changed_reverses_by_the_old_version(db: Session, shop: ShopWithKeys) -> None:
    club(db, shop.shop)
    put_order(db, shop.shop, "o-1", order_body("c-1", [("l-1", 2, 10000)]))
    program.set_up(db, shop.shop, ProgramIn(points=5, per_amount=100), "test", later(1))  # 5x the rate now
    refund(db, shop.shop, "r-1", "o-1", "l-1", 1, 10000, later(2))
    [lot] = db.scalars(select(PointLot)).all()
    assert (lot.earned, lot.reversed, lot.remaining) == (200, 100, 100)
    put_order(db, shop.shop, "o-2", order_body("c-1", [("l-1", 1, 10000)]), later(3))
    new_lot = db.scalars(select(PointLot).where(PointLot.id != lot.id)).one()
    assert new_lot.earned == 500 and new_lot.rule_id != lot.rule_id
    assert_ledger_adds_up(db, shop.shop, lot.customer_id)


def test_spending_takes_the_oldest_lots_first_and_cancelling_gives_them_back(db: Session, shop: ShopWithKeys) -> None:
    club(db, shop.shop, pending_days=0)
    put_order(db, shop.shop, "o-1", order_body("c-1", [("l-1", 1, 10000)], placed_at=T0))
    put_order(db, shop.shop, "o-2", order_body("c-1", [("l-1", 1, 20000)], placed_at=later(1)), later(1))
    customer_id = db.scalar(select(PointLot.customer_id))
    account = ledger.open_account(db, shop.shop.id, customer_id, later(2))
    entries = ledger.spend(db, account, 150, ledger.Cause("Redeemed", operation="test:1", redemption_id=99), later(2))
    assert [(entry.lot_id is not None, entry.spent_delta) for entry in entries] == [(True, 100), (True, 50)]
    lots = db.scalars(select(PointLot).order_by(PointLot.earned_at)).all()
    assert [(lot.remaining, lot.spent) for lot in lots] == [(0, 100), (150, 50)]
    with pytest.raises(Conflict, match="not enough points: 150 available, 151 needed"):
        ledger.spend(db, account, 151, ledger.Cause("Too much"), later(2))
    ledger.give_back(db, account, entries, ledger.Cause("Cancelled", operation="cancel:1"), later(3))
    db.flush()
    for lot in lots:
        db.refresh(lot)
    assert [(lot.remaining, lot.spent) for lot in lots] == [(100, 0), (200, 0)]
    assert_ledger_adds_up(db, shop.shop, customer_id)


def test_a_refund_of_spent_points_is_written_off_or_owed_as_the_programme_says(db: Session, shop: ShopWithKeys) -> None:
    club(db, shop.shop, pending_days=0)
    put_order(db, shop.shop, "o-1", order_body("c-1", [("l-1", 1, 10000)]))
    customer_id = db.scalar(select(PointLot.customer_id))
    ledger.spend(db, ledger.open_account(db, shop.shop.id, customer_id, T0), 80, ledger.Cause("Redeemed"), T0)
    refund(db, shop.shop, "r-1", "o-1", "l-1", 1, 10000, later(1))
    account = account_of(db, shop.shop, customer_id)
    assert (account.available, account.debt, account.reversed) == (0, 0, 100)
    assert db.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "write_off")) == 1
    assert_ledger_adds_up(db, shop.shop, customer_id)

    club(db, shop.shop, pending_days=0, allow_negative_balance=True)
    put_order(db, shop.shop, "o-2", order_body("c-2", [("l-1", 1, 10000)]))
    other = db.scalar(select(PointLot.customer_id).where(PointLot.customer_id != customer_id))
    ledger.spend(db, ledger.open_account(db, shop.shop.id, other, T0), 80, ledger.Cause("Redeemed"), T0)
    refund(db, shop.shop, "r-2", "o-2", "l-1", 1, 10000, later(1))
    assert (account_of(db, shop.shop, other).debt, account_of(db, shop.shop, other).available) == (80, 0)
    put_order(db, shop.shop, "o-3", order_body("c-2", [("l-1", 1, 30000)]), later(2))
    owed = account_of(db, shop.shop, other)
    assert (owed.debt, owed.available) == (0, 220)  # the next points pay what was owed
    assert_ledger_adds_up(db, shop.shop, other)


def test_expiry_voids_what_is_left_and_warns_first(db: Session, shop: ShopWithKeys) -> None:
    club(db, shop.shop, pending_days=0, expiry_months=12, expiry_warning_days=30)
    put_order(db, shop.shop, "o-1", order_body("c-1", [("l-1", 1, 10000)]))
    customer_id = db.scalar(select(PointLot.customer_id))
    ledger.spend(db, ledger.open_account(db, shop.shop.id, customer_id, T0), 30, ledger.Cause("Redeemed"), later(1))
    settings = repository.program(db, shop.shop.id)
    assert maintenance.warn_expiring(db, shop.shop, settings, later(300)) == 0
    assert maintenance.warn_expiring(db, shop.shop, settings, later(340)) == 1
    assert maintenance.warn_expiring(db, shop.shop, settings, later(341)) == 0
    warning = db.scalars(select(DomainEvent).where(DomainEvent.type == "points.expiring")).one()
    assert warning.payload == {"points": 70, "expires_on": "2027-03-01"}
    assert maintenance.expire_due(db, shop.shop, settings, later(364)) == 0
    assert maintenance.expire_due(db, shop.shop, settings, later(365)) == 70
    assert maintenance.expire_due(db, shop.shop, settings, later(366)) == 0
    account = account_of(db, shop.shop, customer_id)
    assert (account.available, account.expired, account.spent) == (0, 70, 30)
    assert_ledger_adds_up(db, shop.shop, customer_id)


def test_inactivity_expiry_takes_every_lot_of_members_who_stopped_buying(db: Session, shop: ShopWithKeys) -> None:
    club(db, shop.shop, pending_days=0, expiry_policy="inactivity", expiry_months=6)
    put_order(db, shop.shop, "o-1", order_body("c-1", [("l-1", 1, 10000)]))
    put_order(db, shop.shop, "o-2", order_body("c-2", [("l-1", 1, 10000)], placed_at=later(150)), later(150))
    settings = repository.program(db, shop.shop.id)
    assert maintenance.expire_due(db, shop.shop, settings, later(200)) == 100
    assert maintenance.expire_due(db, shop.shop, settings, later(200)) == 0


def test_actions_earn_once_per_occurrence_and_within_their_limit(db: Session, shop: ShopWithKeys) -> None:
    club(db, shop.shop)
    program.save_rule(db, shop.shop, RuleIn(key="wishlist", kind="action", name="Ønskeliste", action="custom",
                                            custom_event="wishlist_shared", points=10, limit_count=2,
                                            limit_period="day"), "test", T0)
    put_order(db, shop.shop, "o-1", order_body("c-1", [("l-1", 1, 100)], status="placed"))
    customer_id = db.scalar(select(Customer.id).where(Customer.shop_id == shop.shop.id))
    given = [accrual.award_action(db, shop.shop, customer_id, "custom:wishlist_shared", f"event:{n}", T0) for n in (1, 1, 2, 3)]
    assert given == [10, 0, 10, 0]
    assert accrual.award_action(db, shop.shop, customer_id, "custom:wishlist_shared", "event:4", later(1)) == 10
    assert_ledger_adds_up(db, shop.shop, customer_id)


def test_the_batch_path_writes_the_same_ledger_as_one_order_at_a_time(db: Session, shop: ShopWithKeys,
                                                                         other_shop: ShopWithKeys) -> None:
    bodies = [(f"o-{n}", order_body(f"c-{n % 4}", [("l-1", 1 + n % 3, 3990 + n), ("l-2", 1, 12900)],
                                    placed_at=later(n), status="paid" if n % 5 else "placed")) for n in range(12)]
    results = {}
    for target, batch in ((shop.shop, True), (other_shop.shop, False)):
        club(db, target, pending_days=3)
        ids = [orders.ingest_orders(db, target, [body], later(20))[0].order_id for body in bodies]
        if batch:
            batch_accrual.sync_orders(db, target, ids, later(20))
            batch_accrual.sync_orders(db, target, ids, later(20))  # a replay changes nothing
        else:
            for order_id in ids:
                accrual.sync_order(db, target, order_id, later(20))
        db.flush()
        lots = db.execute(select(PointLot.source_key, PointLot.state, PointLot.earned, PointLot.remaining,
                                 PointLot.expires_at).where(PointLot.shop_id == target.id)).all()
        entries = db.execute(select(LedgerEntry.kind, LedgerEntry.description, LedgerEntry.pending_delta,
                                    LedgerEntry.available_delta, LedgerEntry.earned_delta)
                             .where(LedgerEntry.shop_id == target.id)).all()
        balances = db.execute(select(LoyaltyAccount.pending, LoyaltyAccount.available, LoyaltyAccount.lifetime_earned,
                                     LoyaltyAccount.last_purchase_at).where(LoyaltyAccount.shop_id == target.id)
                              .order_by(LoyaltyAccount.customer_id)).all()
        order_ids = {order_id: n for n, order_id in enumerate(ids)}
        results[batch] = (sorted((_relabel(key, order_ids), *rest) for key, *rest in lots), sorted(entries), balances)
        for customer_id in db.scalars(select(LoyaltyAccount.customer_id).where(LoyaltyAccount.shop_id == target.id)):
            assert_ledger_adds_up(db, target, customer_id)
    assert results[True][0] and results[True] == results[False]


def _relabel(source_key: str, order_ids: dict[int, int]) -> str:
    """Source keys name database ids; compare two shops' ledgers by the orders' positions."""
    parts = source_key.split(":")
    return f"order#{order_ids[int(parts[1])]}:{parts[2]}"
