"""Rewards: points turned into a unique discount code bound to the member; the code is marked
used when an order brings it, expires unused (points back, by setting), and can be cancelled.
Member-only offers and the checkout's code validation live here too."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from lojal.errors import Conflict, NotFound
from lojal.events.domain import NewDomainEvent, record_domain_events
from lojal.loyalty import ledger, repository
from lojal.loyalty.texts import texts_for
from lojal.loyalty.schemas import OfferIn, RewardIn
from lojal.models import LoyaltyAccount, LoyaltyProgram, MemberOffer, Redemption, Reward, Shop, Tier
from lojal.orders import service as orders

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""No 0/O or 1/I: codes are read aloud to support and typed from receipts."""


def new_code(prefix: str, length: int) -> str:
    """``length`` random characters (5 bits each: 10 characters are 50 bits) after the prefix."""
    return prefix + "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def save_reward(session: Session, shop: Shop, data: RewardIn, now: datetime, reward_id: int | None = None) -> Reward:
    if reward_id is None:
        reward = Reward(shop_id=shop.id, created_at=now, **data.model_dump())
        session.add(reward)
    else:
        reward = repository.reward(session, shop.id, reward_id)
        if reward is None:
            raise NotFound(f"no reward {reward_id}", field="reward_id")
        for name, value in data.model_dump().items():
            setattr(reward, name, value)
    session.flush()
    return reward


def why_not(reward: Reward, account: LoyaltyAccount, tiers: list[Tier], redeemed_before: int, now: datetime) -> str | None:
    """Why this member cannot redeem this reward now (None: they can)."""
    if not reward.active:
        return "the reward is not offered"
    if reward.available_from and now < reward.available_from:
        return "the reward is not available yet"
    if reward.available_until and now >= reward.available_until:
        return "the reward is no longer available"
    if reward.stock is not None and reward.stock <= 0:
        return "the reward is out of stock"
    if reward.min_tier_id is not None:
        needed = next((tier for tier in tiers if tier.id == reward.min_tier_id), None)
        mine = next((tier for tier in tiers if tier.id == account.tier_id), None)
        if needed is not None and (mine is None or mine.position < needed.position):
            return f"the reward needs the {needed.name} tier"
    if reward.per_member_limit is not None and redeemed_before >= reward.per_member_limit:
        return f"the reward can be redeemed {reward.per_member_limit} times per member"
    balance = account.available - account.debt
    if reward.points_cost > balance:
        return f"not enough points: {balance} available, {reward.points_cost} needed"
    return None


def redeem(session: Session, shop: Shop, program: LoyaltyProgram, customer_id: int, reward_id: int, actor: str,
           now: datetime) -> Redemption:
    """Spend the reward's points (oldest lots first) and issue its code, under the account's lock
    (then the reward's, for stock): concurrent redemptions never overspend."""
    account = ledger.open_account(session, shop.id, customer_id, now)
    reward = repository.reward(session, shop.id, reward_id, lock=True)
    if reward is None:
        raise NotFound(f"no reward {reward_id}", field="reward_id")
    reason = why_not(reward, account, repository.tiers(session, shop.id), 
                     repository.redemption_count(session, shop.id, customer_id, reward.id), now)
    if reason is not None:
        raise Conflict(reason, field="reward_id")
    redemption = Redemption(shop_id=shop.id, customer_id=customer_id, reward_id=reward.id, points=reward.points_cost,
                            code=new_code(program.code_prefix, program.code_length), status="issued",
                            expires_at=now + timedelta(days=program.code_valid_days),
                            reward_snapshot=_snapshot(reward), created_at=now)
    session.add(redemption)
    session.flush()
    ledger.spend(session, account, reward.points_cost, ledger.Cause(
        texts_for(shop).gettext("Redeemed: %(reward)s", reward=reward.name), actor, operation=f"redemption:{redemption.id}",
        redemption_id=redemption.id), now)
    if reward.stock is not None:
        reward.stock -= 1
    record_domain_events(session, shop.id, [NewDomainEvent(
        "reward.redeemed", "redemption", redemption.id, customer_id, now,
        {"redemption_id": redemption.id, "reward_id": reward.id, "points": reward.points_cost, "code": redemption.code,
         "expires_at": redemption.expires_at.isoformat()})])
    return redemption


def _snapshot(reward: Reward) -> dict[str, Any]:
    return {"name": reward.name, "kind": reward.kind, "value": reward.value, "product_sku": reward.product_sku,
            "minimum_order": reward.minimum_order}


def cancel(session: Session, shop: Shop, customer_id: int, redemption_id: int, actor: str, now: datetime,
           status: str = "cancelled", give_points: bool = True) -> Redemption:
    """A cancelled (or expired) code gives its points back to the lots they came from."""
    account = ledger.open_account(session, shop.id, customer_id, now)
    redemption = repository.redemption(session, shop.id, redemption_id)
    if redemption is None or redemption.customer_id != customer_id:
        raise NotFound(f"no redemption {redemption_id} for this customer", field="redemption_id")
    if redemption.status != "issued":
        raise Conflict(f"the code is {redemption.status} and cannot be cancelled", field="redemption_id")
    redemption.status = status
    redemption.cancelled_at = now
    if give_points:
        entries = [entry for entry in repository.spend_entries_of_redemption(session, shop.id, redemption.id)
                   if entry.kind == "spend"]
        texts = texts_for(shop)
        description = texts.gettext("Reward cancelled: points returned") if status == "cancelled" else texts.gettext(
            "Unused code expired: points returned")
        ledger.give_back(session, account, entries, ledger.Cause(description, actor, operation=f"{status}:{redemption.id}",
                                                                 redemption_id=redemption.id), now)
    reward = repository.reward(session, shop.id, redemption.reward_id, lock=True)
    if reward is not None and reward.stock is not None:
        reward.stock += 1
    record_domain_events(session, shop.id, [NewDomainEvent(
        f"redemption.{status}", "redemption", redemption.id, customer_id, now,
        {"redemption_id": redemption.id, "code": redemption.code, "points_returned": redemption.points if give_points else 0})])
    return redemption


def mark_codes_used(session: Session, shop: Shop, order_ids: list[int], now: datetime,
                    found: list[tuple[Any, list[Any]]] | None = None) -> int:
    """The orders' discount codes that are their customer's issued reward codes are used by them."""
    found = found if found is not None else orders.orders_with_lines(session, shop, order_ids)
    with_codes = [order for order, _ in found if order.discount_codes]
    return sum(_mark_used(session, shop, order, now) for order in with_codes)


def _mark_used(session: Session, shop: Shop, order: Any, now: datetime) -> int:
    used = 0
    for redemption in repository.codes_in(session, shop.id, order.discount_codes):
        if redemption.customer_id != order.customer_id or redemption.status != "issued" or order.status == "cancelled":
            continue
        redemption.status, redemption.used_at, redemption.used_order_id = "used", now, order.id
        record_domain_events(session, shop.id, [NewDomainEvent(
            "code.used", "redemption", redemption.id, order.customer_id, now,
            {"redemption_id": redemption.id, "code": redemption.code, "order_id": order.id})])
        used += 1
    return used


def expire_codes(session: Session, shop: Shop, program: LoyaltyProgram, now: datetime, batch: int = 500) -> int:
    expired = 0
    for redemption in repository.expired_codes(session, shop.id, now, batch):
        try:
            cancel(session, shop, redemption.customer_id, redemption.id, "job:loyalty.codes", now, status="expired",
                   give_points=program.refund_points_on_code_expiry)
            expired += 1
        except Conflict:
            continue  # used or cancelled by someone else meanwhile
    return expired


def save_offer(session: Session, shop: Shop, data: OfferIn, now: datetime, offer_id: int | None = None) -> MemberOffer:
    existing = repository.offer_by_code(session, shop.id, data.code)
    if existing is not None and existing.id != offer_id:
        raise Conflict(f"the code {data.code} is taken", field="code")
    if repository.redemption_by_code(session, shop.id, data.code) is not None:
        raise Conflict(f"the code {data.code} is taken", field="code")
    if offer_id is None:
        offer = MemberOffer(shop_id=shop.id, created_at=now, **data.model_dump())
        session.add(offer)
    else:
        offer = next((offer for offer in repository.offers(session, shop.id) if offer.id == offer_id), None)
        if offer is None:
            raise NotFound(f"no offer {offer_id}", field="offer_id")
        for name, value in data.model_dump().items():
            setattr(offer, name, value)
    session.flush()
    return offer


def validate(session: Session, shop: Shop, code: str, customer_id: int | None, order_total: int | None,
             now: datetime) -> dict[str, Any]:
    """For the shop's checkout: may this customer use this code now, and if not, why."""
    redemption = repository.redemption_by_code(session, shop.id, code.strip())
    if redemption is not None:
        return _validate_redemption(redemption, customer_id, order_total, now)
    offer = repository.offer_by_code(session, shop.id, code.strip())
    if offer is not None:
        return _validate_offer(session, shop, offer, customer_id, now)
    return _answer(False, "unknown_code", "This is not a code of the customer club.")


def _validate_redemption(redemption: Redemption, customer_id: int | None, order_total: int | None,
                         now: datetime) -> dict[str, Any]:
    reward = redemption.reward_snapshot or {}
    details = {"kind": reward.get("kind"), "value": reward.get("value"), "product_sku": reward.get("product_sku"),
               "expires_at": redemption.expires_at}
    if customer_id is None:
        return _answer(False, "not_logged_in", "Log in as the member this code belongs to.", **details)
    if redemption.customer_id != customer_id:
        return _answer(False, "other_member", "This code belongs to another member.", **details)
    if redemption.status != "issued" or redemption.expires_at <= now:
        status = "expired" if redemption.status == "issued" else redemption.status
        return _answer(False, status, f"This code is {status}.", **details)
    minimum = int(reward.get("minimum_order") or 0)
    if order_total is not None and order_total < minimum:
        return _answer(False, "minimum_order", f"This code needs an order of at least {minimum} (minor units).", **details)
    return _answer(True, "ok", "The code is valid.", **details)


def _validate_offer(session: Session, shop: Shop, offer: MemberOffer, customer_id: int | None,
                    now: datetime) -> dict[str, Any]:
    if not offer.active or (offer.ends_at and now >= offer.ends_at):
        return _answer(False, "ended", "This offer has ended.")
    if customer_id is None:
        return _answer(False, "not_logged_in", "This offer is for members: log in first.")
    account = repository.account(session, shop.id, customer_id)
    tier_id = account.tier_id if account else None
    if offer.tier_ids and tier_id not in offer.tier_ids:
        return _answer(False, "tier_required", "This offer is for members of another tier.")
    tier = next((tier for tier in repository.tiers(session, shop.id) if tier.id == tier_id), None)
    head_start = timedelta(hours=tier.early_access_hours if tier and offer.use_tier_early_access else 0)
    if offer.starts_at and now < offer.starts_at - head_start:
        return _answer(False, "not_started", "This offer has not started yet.")
    return _answer(True, "ok", "The offer is valid for this member.", kind="offer")


def _answer(valid: bool, reason: str, message: str, **details: Any) -> dict[str, Any]:
    return {"valid": valid, "reason": reason, "message": message} | details


def available_rewards(session: Session, shop: Shop, account: LoyaltyAccount | None, now: datetime) -> list[dict[str, Any]]:
    """Every offered reward, with whether the member can redeem it now and, if not, why."""
    tiers = repository.tiers(session, shop.id)
    redeemed = repository.redemption_counts_of_member(session, shop.id, account.customer_id) if account else {}
    balance = (account.available - account.debt) if account else 0
    views = []
    for reward in repository.rewards(session, shop.id, active_only=True):
        reason = "not a member yet" if account is None else why_not(reward, account, tiers, redeemed.get(reward.id, 0), now)
        views.append({"id": reward.id, "name": reward.name, "description": reward.description, "kind": reward.kind,
                      "points_cost": reward.points_cost, "value": reward.value, "product_sku": reward.product_sku,
                      "redeemable": reason is None, "reason": reason,
                      "points_missing": max(0, reward.points_cost - balance)})
    return views
