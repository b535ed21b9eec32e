"""The demo shop's customer club: 1 point per krone, three tiers, five rewards, a tennis
multiplier, a Black Week campaign and birthday points; and crediting the loaded history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from lojal.loyalty import batch_accrual, maintenance, program, repository, rewards, tiers
from lojal.loyalty.schemas import ProgramIn, RewardIn, RuleIn, TierIn
from lojal.models import Shop
from lojal.orders import service as orders

TIERS = (
    TierIn(name="Bronse", position=1, threshold=0, description="Poeng på alt du kjøper"),
    TierIn(name="Sølv", position=2, threshold=500000, retain_threshold=400000, multiplier_percent=125,
           free_shipping=True, early_access_hours=24, description="1,25x poeng, fri frakt, 24 timer før salg"),
    TierIn(name="Gull", position=3, threshold=1500000, retain_threshold=1200000, multiplier_percent=150,
           free_shipping=True, member_prices=True, early_access_hours=48,
           description="1,5x poeng, fri frakt, medlemspriser, 48 timer før salg"),
)
REWARDS = (
    RewardIn(name="50 kr rabatt", kind="amount_off", points_cost=500, value=5000),
    RewardIn(name="100 kr rabatt", kind="amount_off", points_cost=900, value=10000, minimum_order=50000),
    RewardIn(name="Fri frakt", kind="free_shipping", points_cost=300),
    RewardIn(name="Gratis kaffefilter", kind="free_product", points_cost=400, product_sku="p-1101", stock=500),
    RewardIn(name="15 % rabatt for Sølv og Gull", kind="percent_off", points_cost=1500, value=15),
)


def set_up_demo_club(session: Session, shop: Shop, now: datetime) -> None:
    program.set_up(session, shop, ProgramIn(name="Nordlys-klubben", code_prefix="NORDLYS-"), "demo", now)
    made = [tiers.save_tier(session, shop, tier) for tier in TIERS]
    for reward in REWARDS:
        minimum_tier = made[1].id if reward.kind == "percent_off" else None
        rewards.save_reward(session, shop, reward.model_copy(update={"min_tier_id": minimum_tier}), now)
    program.save_rule(session, shop, RuleIn(key="tennis-dobbel", kind="multiplier", name="Dobbel poeng på tennis",
                                            multiplier_percent=200, categories=["Tennis"]), "demo", now)
    program.save_rule(session, shop, RuleIn(
        key="black-week", kind="campaign", name="Black Week: dobbel poeng", multiplier_percent=200,
        starts_at=datetime.fromisoformat("2026-11-23T00:00:00+01:00"),
        ends_at=datetime.fromisoformat("2026-12-01T00:00:00+01:00")), "demo", now)
    program.save_rule(session, shop, RuleIn(key="bursdag", kind="action", name="Gratulerer med dagen!",
                                            action="birthday", points=200, limit_count=1, limit_period="year"),
                      "demo", now)


def credit_history(session: Session, shop: Shop, now: datetime, progress: Callable[[int, int], None],
                   batch: int = 1000) -> int:
    """Points for every order already loaded (by the base and product rules: members reach their
    tiers after the back-fill, so history earns no tier multipliers), then tiers, then release and
    expiry as the calendar says. Commits per batch (the demo loader is an edge, like a job)."""
    ids = orders.order_ids(session, shop)
    credited = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        credited += batch_accrual.sync_orders(session, shop, chunk, now, actor="demo")
        session.commit()
        progress(min(start + batch, len(ids)), len(ids))
    for start in range(0, len(ids), batch):
        tiers.refresh_for_orders(session, shop, ids[start:start + batch], now)
        session.commit()
    settings = repository.program(session, shop.id)
    assert settings is not None
    while maintenance.release_due(session, shop, now) or maintenance.expire_due(session, shop, settings, now):
        session.commit()
    session.commit()
    return credited
