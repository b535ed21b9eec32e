"""The club under concurrency, on PostgreSQL with real commits: the same order handled by 20
workers at once earns once; 50 redemptions racing for a balance that affords 10 give exactly 10
codes; housekeeping run by two workers at once does the work once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from lojal.db.engine import make_session_factory
from lojal.errors import Conflict
from lojal.loyalty import accrual, ledger, maintenance, repository, rewards, tiers
from lojal.loyalty.schemas import RewardIn, TierIn
from lojal.models import DomainEvent, LedgerEntry, PointLot, Redemption, Shop
from lojal.orders import service as orders
from tests.fixtures.api import make_shop
from tests.fixtures.database import truncate_all
from tests.loyalty.helpers import T0, club, order_body

pytestmark = pytest.mark.postgres


@pytest.fixture
def factory(postgres_engine: Engine) -> Iterator[sessionmaker[Session]]:
    truncate_all(postgres_engine)
    yield make_session_factory(postgres_engine)
    truncate_all(postgres_engine)


def at_once(count: int, work: Callable[[Session], object], factory: sessionmaker[Session]) -> list[object]:
    """Run ``work`` in ``count`` threads, each with its own session, released together; commit each."""
    barrier = threading.Barrier(count)
    results: list[object] = []
    lock = threading.Lock()

    def run() -> None:
        with factory() as session:
            barrier.wait()
            try:
                outcome: object = work(session)
                session.commit()
            except Exception as error:  # noqa: BLE001 - the outcome is what the test counts
                session.rollback()
                outcome = error
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def shop_with_club(factory: sessionmaker[Session], **settings: object) -> Shop:
    with factory() as session:
        shop = make_shop(session, "Samtidig").shop
        club(session, shop, **settings)
        session.commit()
        return shop


def test_the_same_order_handled_by_twenty_workers_at_once_earns_once(factory: sessionmaker[Session]) -> None:
    shop = shop_with_club(factory)
    with factory() as session:
        [result] = orders.ingest_orders(session, shop, [("o-1", order_body("c-1", [("l-1", 2, 3990), ("l-2", 1, 45900)]))], T0)
        session.commit()
    outcomes = at_once(20, lambda session: accrual.sync_order(session, shop, result.order_id, T0), factory)
    assert sorted(outcomes, key=str) == [0] * 19 + [538]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(PointLot)) == 2
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 2
        account = repository.account(session, shop.id, session.scalar(select(PointLot.customer_id)))
        assert account.pending == 538
        assert ledger.check_invariants(session, account, repository.program(session, shop.id)) == []


def test_fifty_redemptions_against_a_balance_for_ten(factory: sessionmaker[Session]) -> None:
    shop = shop_with_club(factory, pending_days=0)
    with factory() as session:
        [result] = orders.ingest_orders(session, shop, [("o-1", order_body("c-1", [("l-1", 1, 100000)]))], T0)
        accrual.sync_order(session, shop, result.order_id, T0)  # 1,000 points, available at once
        reward = rewards.save_reward(session, shop, RewardIn(name="50 kr", kind="amount_off", points_cost=100, value=5000), T0)
        program = repository.program(session, shop.id)
        customer_id = session.scalar(select(PointLot.customer_id))
        session.commit()
    outcomes = at_once(50, lambda session: rewards.redeem(session, shop, program, customer_id, reward.id, "test", T0),
                       factory)
    refused = [outcome for outcome in outcomes if isinstance(outcome, Conflict)]
    assert len(refused) == 40 and len(outcomes) == 50
    assert all("not enough points: 0 available, 100 needed" == error.message for error in refused)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Redemption)) == 10
        codes = set(session.scalars(select(Redemption.code)))
        assert len(codes) == 10
        account = repository.account(session, shop.id, customer_id)
        assert (account.available, account.spent) == (0, 1000)
        assert ledger.check_invariants(session, account, repository.program(session, shop.id)) == []


def test_housekeeping_in_two_workers_at_once_does_the_work_once(factory: sessionmaker[Session]) -> None:
    shop = shop_with_club(factory, pending_days=0, expiry_months=12)
    with factory() as session:
        for number in range(30):
            [result] = orders.ingest_orders(session, shop, [(f"o-{number}", order_body(f"c-{number % 7}", [("l-1", 1, 10000)]))], T0)
            accrual.sync_order(session, shop, result.order_id, T0)
        session.commit()
        program = repository.program(session, shop.id)
    later = T0 + timedelta(days=400)

    def housekeeping(session: Session) -> int:
        return (maintenance.warn_expiring(session, shop, program, T0 + timedelta(days=350))
                + maintenance.expire_due(session, shop, program, later))

    outcomes = at_once(2, housekeeping, factory)
    assert not any(isinstance(outcome, Exception) for outcome in outcomes), outcomes
    with factory() as session:
        expired = session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "expire"))
        warnings = session.scalar(select(func.count()).select_from(DomainEvent).where(DomainEvent.type == "points.expiring"))
        assert (expired, warnings) == (30, 7)
        assert session.scalar(select(func.sum(PointLot.expired))) == 3000


def test_tier_reviews_in_two_workers_at_once_change_the_tier_once(factory: sessionmaker[Session]) -> None:
    shop = shop_with_club(factory, pending_days=0)
    with factory() as session:
        for name, position, threshold in (("Bronse", 1, 0), ("Gull", 2, 100000)):
            tiers.save_tier(session, shop, TierIn(name=name, position=position, threshold=threshold))
        [result] = orders.ingest_orders(session, shop, [("o-1", order_body("c-1", [("l-1", 1, 100000)]))], T0)
        accrual.sync_order(session, shop, result.order_id, T0)
        tiers.refresh_for_order(session, shop, result.order_id, T0)
        session.commit()
        program = repository.program(session, shop.id)
    review = datetime(2027, 3, 2, tzinfo=UTC)  # a year on, nothing bought since: Gull is lost
    outcomes = at_once(2, lambda session: tiers.review_due(session, shop, program, review), factory)
    assert sorted(outcomes) == [0, 1]
    with factory() as session:
        changes = list(session.scalars(select(DomainEvent.payload).where(DomainEvent.type == "tier.changed")))
        assert [change["to_tier"] for change in changes] == ["Gull", "Bronse"]
