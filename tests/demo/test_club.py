"""The demo shop's club: set up as a shop owner would, the loaded history credited through the
batch path, every member's ledger adding up, tiers reached, the ledger unchanged by a replay."""

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lojal.demo import DemoConfig, generate
from lojal.demo.club import REWARDS, credit_history, set_up_demo_club
from lojal.ingest.bulk import BulkIngestor
from lojal.loyalty import batch_accrual, ledger, repository
from lojal.models import LedgerEntry, LoyaltyAccount, Order
from lojal.orders import service as orders
from tests.fixtures.api import ShopWithKeys

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_the_demo_club_credits_the_history_and_every_ledger_adds_up(db: Session, shop: ShopWithKeys) -> None:
    set_up_demo_club(db, shop.shop, NOW)
    ingestor = BulkIngestor(db, shop.shop, batch_size=200)
    for number, record in enumerate(generate(DemoConfig(customers=120, seed=5)), start=1):
        ingestor.feed_record(number, record)
    ingestor.finish()
    seen: list[tuple[int, int]] = []
    credited = credit_history(db, shop.shop, NOW, lambda done, total: seen.append((done, total)), batch=100)
    orders_in_shop = db.scalar(select(func.count()).select_from(Order).where(Order.shop_id == shop.shop.id))
    assert seen[-1] == (orders_in_shop, orders_in_shop)
    assert credited == db.scalar(select(func.sum(LedgerEntry.earned_delta)).where(LedgerEntry.kind == "earn"))
    assert credited > 0 and len(repository.rewards(db, shop.shop.id)) == len(REWARDS)
    program = repository.program(db, shop.shop.id)
    accounts = db.scalars(select(LoyaltyAccount).where(LoyaltyAccount.shop_id == shop.shop.id)).all()
    assert {account.tier_id for account in accounts} - {None}  # members reached tiers
    for account in accounts:
        assert ledger.check_invariants(db, account, program) == []
    entries = db.scalar(select(func.count()).select_from(LedgerEntry))
    assert batch_accrual.sync_orders(db, shop.shop, orders.order_ids(db, shop.shop), NOW) == 0
    db.flush()
    assert db.scalar(select(func.count()).select_from(LedgerEntry)) == entries
