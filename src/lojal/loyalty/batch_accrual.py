"""Points for many orders at once, for the reactions to bulk ingestion: the orders, their lines,
the members' accounts (locked in id order) and any lots they already have are read in a handful
of statements, and the first earnings of orders are written as batch inserts. Everything that is
not a first earning (an order with lots already, a member who owes points) goes through
``accrual.sync_order``, one order at a time, so both paths give the same ledger."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from lojal.catalog import service as catalog
from lojal.db.ids import allocate_ids
from lojal.db.upsert import insert_rows
from lojal.events.domain import NewDomainEvent, record_domain_events
from lojal.kit.i18n import Translator
from lojal.loyalty import accrual, repository, rules
from lojal.loyalty.texts import texts_for
from lojal.models import LedgerEntry, LoyaltyProgram, PointLot, Shop
from lojal.orders import service as orders

LOT_COLUMNS = ("earned", "reversed", "uncollected", "remaining", "spent", "expired", "settled")


def sync_orders(session: Session, shop: Shop, order_ids: list[int], now: datetime, actor: str = "system",
                found: list[tuple[Any, list[Any]]] | None = None) -> int:
    """Bring every order's lots to what it earns now; returns the net change in points. ``found``:
    the orders with their lines, when the caller has read them already."""
    program = repository.program(session, shop.id)
    if program is None or not program.enabled or not order_ids:
        return 0
    found = found if found is not None else orders.orders_with_lines(session, shop, order_ids)
    customer_ids = sorted({order.customer_id for order, _ in found})
    repository.ensure_accounts(session, shop.id, customer_ids, now)
    accounts = repository.lock_accounts(session, shop.id, customer_ids)
    lots = repository.lots_of_orders(session, shop.id, [order.id for order, _ in found])
    first, one_by_one = [], []
    unchanged = _unchanged(session, shop, program, [(order, lines) for order, lines in found if order.id in lots], lots)
    for order, lines in found:
        if order.id in unchanged:
            continue
        if order.id in lots or accounts[order.customer_id].debt > 0:
            one_by_one.append(order.id)
        elif _earns(order, program):
            first.append((order, lines))
    change = _first_earnings(session, shop, program, first, accounts, now, actor)
    for order_id in one_by_one:
        change += accrual.sync_order(session, shop, order_id, now, actor)
    return change


def _unchanged(session: Session, shop: Shop, program: LoyaltyProgram, found: list[tuple[Any, list[Any]]],
               lots: dict[int, list[Any]]) -> set[int]:
    """Orders whose lots already hold what they earn (a replay, or an event that changed nothing
    that counts): nothing to write, and no need to take the slow path."""
    if not found:
        return set()
    by_id = repository.rules_by_id(session, shop.id, [lot.rule_id for order_lots in lots.values()
                                                      for lot in order_lots if lot.rule_id])
    paths = catalog.category_paths(session, shop, [line.product_id for _, lines in found for line in lines
                                                   if line.product_id])
    same = set()
    for order, lines in found:
        base, extras = accrual.pinned_from(lots[order.id], by_id)
        if base is None:
            continue
        facts = _facts(order, lines, paths)
        if facts.status not in accrual.EARNING_STATUSES:
            facts = replace(facts, status="cancelled")
        wanted = {target.source_key: target.kept for target in rules.order_lot_targets(
            facts, accrual.basis_of(program), base, extras)}
        held = {lot.source_key: lot.earned - lot.reversed for lot in lots[order.id]}
        if all(wanted.get(key, 0) == points for key, points in held.items()) and all(
                held.get(key, 0) == points for key, points in wanted.items()):
            same.add(order.id)
    return same


def _earns(order: Any, program: LoyaltyProgram) -> bool:
    return order.status in accrual.EARNING_STATUSES and (program.earn_from is None or order.placed_at >= program.earn_from)


def _first_earnings(session: Session, shop: Shop, program: LoyaltyProgram, found: list[tuple[Any, list[Any]]],
                    accounts: dict[int, Any], now: datetime, actor: str) -> int:
    if not found:
        return 0
    paths = catalog.category_paths(session, shop, [line.product_id for _, lines in found for line in lines
                                                   if line.product_id])
    basis, rules_by_tier, texts = accrual.basis_of(program), {}, texts_for(shop)
    lots, entries, events = [], [], []
    deltas: dict[int, dict[str, Any]] = defaultdict(lambda: {"pending": 0, "available": 0, "earned": 0, "last": None})
    for order, lines in found:
        tier_id = accounts[order.customer_id].tier_id
        if tier_id not in rules_by_tier:
            rules_by_tier[tier_id] = accrual.live_rules(session, shop, accounts[order.customer_id])
        base, extras = rules_by_tier[tier_id]
        if base is None:
            continue
        targets = [target for target in rules.order_lot_targets(_facts(order, lines, paths), basis, base, extras)
                   if target.kept > 0]
        earned = _order_rows(order, targets, program, now, actor, lots, entries, texts)
        account = deltas[order.customer_id]
        state = "available" if order.placed_at + timedelta(days=program.pending_days) <= now else "pending"
        account[state] += earned
        account["earned"] += earned
        account["last"] = max(account["last"] or order.placed_at, order.placed_at)
        if earned:
            events.append(NewDomainEvent("points.earned", "order", order.id, order.customer_id, now,
                                         {"order_id": order.id, "external_id": order.external_id, "points": earned}))
    _insert(session, lots, entries)
    repository.add_to_accounts(session, shop.id, deltas, now)
    record_domain_events(session, shop.id, events)
    return sum(delta["earned"] for delta in deltas.values())


def _facts(order: Any, lines: list[Any], paths: dict[int, list[str]]) -> rules.OrderFacts:
    return rules.OrderFacts(
        order.id, order.placed_at, order.status, order.subtotal, order.discount_total, order.shipping_total,
        order.tax_total, order.taxes_included, order.total, order.refunded_total,
        tuple(rules.LineFacts(line.id, line.sku, tuple(paths.get(line.product_id, ())), line.quantity, line.total,
                              line.discount, line.refunded_quantity, line.refunded_amount) for line in lines))


def _order_rows(order: Any, targets: list[rules.LotTarget], program: LoyaltyProgram, now: datetime, actor: str,
                lots: list[dict[str, Any]], entries: list[dict[str, Any]], texts: Translator) -> int:
    available_at = order.placed_at + timedelta(days=program.pending_days)
    state = "available" if available_at <= now else "pending"
    expires_at = rules.lot_expiry(order.placed_at, program.expiry_policy, program.expiry_months)
    description = texts.gettext("Points for order %(order)s", order=order.order_number or order.external_id)
    for target in targets:
        lot = {"shop_id": order.shop_id, "id": None, "customer_id": order.customer_id, "source_key": target.source_key,
               "rule_id": target.rule_id, "order_id": order.id, "order_line_id": target.line_id, "state": state,
               "earned_at": order.placed_at, "available_at": available_at, "expires_at": expires_at,
               "expiry_warned_at": None} | dict.fromkeys(LOT_COLUMNS, 0) | {"earned": target.kept,
                                                                          "remaining": target.kept}
        lots.append(lot)
        entries.append({"shop_id": order.shop_id, "id": None, "customer_id": order.customer_id, "lot_id": None,
                        "kind": "earn", "operation": f"order:{order.id}", "description": description,
                        "note": f"{target.source_key}: earned {target.earned}, keeps {target.kept}",
                        "rule_id": target.rule_id, "order_id": order.id, "order_line_id": target.line_id,
                        "redemption_id": None, "actor": actor, "created_at": now, "pending_delta": 0,
                        "available_delta": 0, "spent_delta": 0, "expired_delta": 0, "reversed_delta": 0,
                        "debt_delta": 0, "earned_delta": target.kept, f"{state}_delta": target.kept})
    return sum(target.kept for target in targets)


def _insert(session: Session, lots: list[dict[str, Any]], entries: list[dict[str, Any]]) -> None:
    if not lots:
        return
    for lot, entry, lot_id, entry_id in zip(lots, entries, allocate_ids(session, "loyalty_lots", len(lots)),
                                            allocate_ids(session, "loyalty_entries", len(entries)), strict=True):
        lot["id"], entry["id"], entry["lot_id"] = lot_id, entry_id, lot_id
    insert_rows(session, PointLot.__table__, lots)
    insert_rows(session, LedgerEntry.__table__, entries)
