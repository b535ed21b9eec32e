"""Tiers: reached at once, lost only at the end of a qualification period and only below the
retain threshold; a manual tier holds until its end date. ``tier.changed`` on every change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from lojal.errors import NotFound, ValidationFailed
from lojal.events.domain import NewDomainEvent, record_domain_events
from lojal.loyalty import ledger, repository, rules
from lojal.loyalty.schemas import TierIn
from lojal.models import LoyaltyAccount, LoyaltyProgram, Shop, Tier
from lojal.orders import service as orders


def tier_facts(tiers: list[Tier]) -> list[rules.TierFacts]:
    return [rules.TierFacts(tier.id, tier.name, tier.position, tier.threshold, tier.retain_threshold) for tier in tiers]


def qualifying_value(session: Session, shop: Shop, program: LoyaltyProgram, customer_id: int, now: datetime) -> int:
    """Spend net of refunds (minor units) or points earned net of reversals, over the window."""
    since = rules.window_start(now, program.tier_window)
    if program.tier_basis == "points":
        return repository.points_earned_since(session, shop.id, customer_id, since)
    return orders.net_spend(session, shop, customer_id, since, None)


def _change(session: Session, shop: Shop, account: LoyaltyAccount, new: rules.TierFacts | None, program: LoyaltyProgram,
            now: datetime, reason: str) -> bool:
    old_id = account.tier_id
    if new is not None and new.tier_id == old_id:
        account.tier_review_at = rules.next_review(now, program.tier_window)
        return False
    account.tier_id = new.tier_id if new else None
    account.tier_since = now
    account.tier_review_at = rules.next_review(now, program.tier_window) if new else None
    if old_id != account.tier_id:
        record_domain_events(session, shop.id, [NewDomainEvent(
            "tier.changed", "customer", account.customer_id, account.customer_id, now,
            {"from_tier_id": old_id, "to_tier_id": account.tier_id, "to_tier": new.name if new else None,
             "reason": reason})])
    return old_id != account.tier_id


def upgrade_if_reached(session: Session, shop: Shop, program: LoyaltyProgram, account: LoyaltyAccount,
                       now: datetime) -> bool:
    """Upgrade at once when the value reaches a higher tier (never a downgrade here)."""
    tiers = tier_facts(repository.tiers(session, shop.id))
    if not tiers:
        return False
    reached = rules.tier_for(qualifying_value(session, shop, program, account.customer_id, now), tiers)
    current = next((tier for tier in tiers if tier.tier_id == account.tier_id), None)
    if reached is not None and (current is None or reached.position > current.position):
        return _change(session, shop, account, reached, program, now, "reached")
    return False


def refresh_for_order(session: Session, shop: Shop, order_id: int, now: datetime) -> None:
    program = repository.program(session, shop.id)
    found = orders.order_with_lines(session, shop, order_id)
    if program is None or not program.enabled or found is None:
        return
    account = ledger.open_account(session, shop.id, found[0].customer_id, now)
    upgrade_if_reached(session, shop, program, account, now)


def refresh_for_orders(session: Session, shop: Shop, order_ids: list[int], now: datetime,
                       found: list[tuple[Any, list[Any]]] | None = None) -> int:
    """Upgrade the members who bought these orders and whose qualifying value now reaches a
    higher tier: values in one query, accounts locked in one, upgrades written in one."""
    program = repository.program(session, shop.id)
    tiers = tier_facts(repository.tiers(session, shop.id))
    if program is None or not program.enabled or not tiers:
        return 0
    found = found if found is not None else orders.orders_with_lines(session, shop, order_ids)
    customer_ids = sorted({order.customer_id for order, _ in found})
    since = rules.window_start(now, program.tier_window)
    if program.tier_basis == "points":
        values = repository.points_earned_by_customer(session, shop.id, customer_ids, since)
    else:
        values = orders.net_spend_by_customer(session, shop, customer_ids, since)
    by_id = {tier.tier_id: tier for tier in tiers}
    upgrades = []
    for customer_id, account in repository.lock_accounts(session, shop.id, customer_ids).items():
        reached, current = rules.tier_for(values.get(customer_id, 0), tiers), by_id.get(account.tier_id)
        if reached is not None and (current is None or reached.position > current.position):
            upgrades.append((customer_id, account.tier_id, reached))
    review_at = rules.next_review(now, program.tier_window)
    repository.set_tiers(session, shop.id, [(customer_id, tier.tier_id) for customer_id, _, tier in upgrades], now,
                         review_at)
    record_domain_events(session, shop.id, [NewDomainEvent(
        "tier.changed", "customer", customer_id, customer_id, now,
        {"from_tier_id": old, "to_tier_id": tier.tier_id, "to_tier": tier.name, "reason": "reached"})
        for customer_id, old, tier in upgrades])
    return len(upgrades)


def review_due(session: Session, shop: Shop, program: LoyaltyProgram, now: datetime, batch: int = 500) -> int:
    """At the end of a qualification period (or a manual tier's end): keep, drop or raise."""
    tiers = tier_facts(repository.tiers(session, shop.id))
    changed = 0
    for customer_id in repository.accounts_due_for_review(session, shop.id, now, batch):
        account = ledger.open_account(session, shop.id, customer_id, now)
        manual_ended = account.manual_tier_until is not None and account.manual_tier_until <= now
        if not manual_ended and (account.tier_review_at is None or account.tier_review_at > now):
            continue  # reviewed by a concurrent run meanwhile
        if manual_ended:
            account.manual_tier_until = None
        if account.manual_tier_until is not None:  # a manual tier still runs: only look again later
            account.tier_review_at = account.manual_tier_until
            continue
        value = qualifying_value(session, shop, program, customer_id, now)
        current = next((tier for tier in tiers if tier.tier_id == account.tier_id), None)
        new = rules.tier_after_review(value, current, tiers)
        changed += _change(session, shop, account, new, program, now, "manual tier ended" if manual_ended else "review")
    return changed


def set_manual_tier(session: Session, shop: Shop, customer_id: int, tier_id: int, until: datetime, now: datetime) -> LoyaltyAccount:
    if until <= now:
        raise ValidationFailed("the manual tier's end must be in the future", field="until")
    tier = next((tier for tier in repository.tiers(session, shop.id) if tier.id == tier_id), None)
    if tier is None:
        raise NotFound(f"no tier {tier_id}", field="tier_id")
    program = repository.program(session, shop.id)
    assert program is not None
    account = ledger.open_account(session, shop.id, customer_id, now)
    facts = tier_facts([tier])[0]
    _change(session, shop, account, facts, program, now, "set by the shop")
    account.manual_tier_until = until
    account.tier_review_at = until
    return account


def save_tier(session: Session, shop: Shop, data: TierIn, tier_id: int | None = None) -> Tier:
    values = data.model_dump()
    if values["retain_threshold"] is None:
        values["retain_threshold"] = data.threshold
    if tier_id is None:
        tier = Tier(shop_id=shop.id, **values)
        session.add(tier)
    else:
        tier = next((tier for tier in repository.tiers(session, shop.id, active_only=False) if tier.id == tier_id), None)
        if tier is None:
            raise NotFound(f"no tier {tier_id}", field="tier_id")
        for name, value in values.items():
            setattr(tier, name, value)
    session.flush()
    return tier


def progress_view(session: Session, shop: Shop, program: LoyaltyProgram, account: LoyaltyAccount | None,
                  customer_id: int, now: datetime) -> dict[str, Any]:
    """For the progress bar: the member's tier, what is left to the next and to keep this one."""
    tiers = repository.tiers(session, shop.id)
    facts = tier_facts(tiers)
    value = qualifying_value(session, shop, program, customer_id, now)
    current = next((tier for tier in facts if account and tier.tier_id == account.tier_id), None)
    window_end = (now.replace(year=now.year + 1, month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
                  if program.tier_window == "calendar_year" else None)
    to_next, to_keep = rules.progress(value, current, facts, account.tier_review_at if account else None, window_end)
    tier = next((tier for tier in tiers if current and tier.id == current.tier_id), None)
    return {"basis": program.tier_basis, "window": program.tier_window, "value": value,
            "tier": _tier_view(tier), "since": account.tier_since if account else None,
            "manual_until": account.manual_tier_until if account else None,
            "to_next": to_next.__dict__ if to_next else None,
            "to_keep": to_keep.__dict__ if to_keep and program.tier_window != "lifetime" else None}


def _tier_view(tier: Tier | None) -> dict[str, Any] | None:
    if tier is None:
        return None
    return {"id": tier.id, "name": tier.name, "position": tier.position, "multiplier_percent": tier.multiplier_percent,
            "free_shipping": tier.free_shipping, "member_prices": tier.member_prices,
            "early_access_hours": tier.early_access_hours}
