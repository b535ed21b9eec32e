"""What a member, the shop's checkout and the shop's developer ask of the club: a member's state
with progress and the next reward in reach, the ledger's history, and what an order would earn."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from lojal.catalog import service as catalog
from lojal.errors import ValidationFailed
from lojal.loyalty import accrual, program as programs, repository, rewards, rules, tiers
from lojal.models import Customer, LedgerEntry, Shop
from lojal.orders.schemas import OrderIn, check_consistency

BALANCES = ("pending", "available", "spent", "expired", "reversed", "debt", "lifetime_earned")


def member_state(session: Session, shop: Shop, customer: Customer, now: datetime) -> dict[str, Any]:
    program = programs.require_program(session, shop)
    account = repository.account(session, shop.id, customer.id)
    balances = {name: getattr(account, name) if account else 0 for name in BALANCES}
    spendable = balances["available"] - balances["debt"]
    offered = rewards.available_rewards(session, shop, account, now)
    in_reach = sorted((reward for reward in offered if (reward["reason"] or "").startswith("not enough points")),
                      key=lambda reward: (reward["points_missing"], reward["points_cost"]))
    return {
        "customer_id": customer.id, "customer_external_id": customer.external_id, "member": account is not None,
        "joined_at": account.joined_at if account else None, "balances": balances, "spendable": spendable,
        "spendable_value": spendable * program.point_value_per_1000 // 1000, "currency": program.currency,
        "tier": tiers.progress_view(session, shop, program, account, customer.id, now),
        "redeemable_rewards": sum(1 for reward in offered if reward["redeemable"]),
        "next_reward": in_reach[0] if in_reach else None,
    }


def history(session: Session, shop: Shop, customer: Customer, limit: int, before_id: int | None) -> list[dict[str, Any]]:
    """Ledger entries newest first, with the customer-facing reason and what caused each."""
    return [entry_view(entry) for entry in repository.entries_of_member(session, shop.id, customer.id, limit=limit,
                                                                        before_id=before_id)]


def entry_view(entry: LedgerEntry) -> dict[str, Any]:
    points = entry.earned_delta - entry.reversed_delta - entry.spent_delta - entry.expired_delta
    if entry.kind in ("adjust", "settle", "spend_cancel"):
        points = entry.available_delta + entry.pending_delta
    elif entry.kind == "release":
        points = entry.available_delta  # what became available
    return {"id": entry.id, "at": entry.created_at, "kind": entry.kind, "points": points,
            "description": entry.description, "note": entry.note, "actor": entry.actor, "operation": entry.operation,
            "deltas": {state: getattr(entry, f"{state}_delta") for state in
                       ("pending", "available", "spent", "expired", "reversed", "debt", "earned")},
            "order_id": entry.order_id, "order_line_id": entry.order_line_id, "rule_id": entry.rule_id,
            "redemption_id": entry.redemption_id, "lot_id": entry.lot_id}


def simulate(session: Session, shop: Shop, body: dict[str, Any], customer: Customer | None) -> dict[str, Any]:
    """The points an order would earn now, by the live rules (and the customer's tier), per line and
    rule. Nothing is written."""
    program = programs.require_program(session, shop)
    try:
        order = OrderIn.model_validate(body)
    except ValueError as error:
        raise ValidationFailed(f"not an order: {error}", field="order") from error
    check_consistency(order)
    account = repository.account(session, shop.id, customer.id) if customer else None
    base, extras = accrual.live_rules(session, shop, account)
    if base is None or not program.enabled:
        return {"points": 0, "lines": [], "pending_days": program.pending_days}
    paths = catalog.category_paths_by_external_id(
        session, shop, [line.product_external_id for line in order.lines if line.product_external_id])
    facts = rules.OrderFacts(0, order.placed_at, "paid", order.subtotal, order.discount_total, order.shipping_total,
                             order.tax_total, order.taxes_included, order.total, 0, tuple(
        rules.LineFacts(position, line.sku, tuple(paths.get(line.product_external_id or "", ())), line.quantity,
                        line.total, line.discount, 0, 0) for position, line in enumerate(order.lines, start=1)))
    targets = rules.order_lot_targets(facts, accrual.basis_of(program), base, extras)
    names = {rule.id: rule.name for rule in repository.current_rules(session, shop.id)}
    return {"points": sum(target.earned for target in targets), "pending_days": program.pending_days, "lines": [
        {"line": (order.lines[target.line_id - 1].external_id or str(target.line_id)) if target.line_id else "shipping",
         "rule": names.get(target.rule_id) or "tier multiplier",
         "rule_id": target.rule_id, "points": target.earned} for target in targets]}
