"""Points from orders and actions.

An order's lots are brought to what the order, as it stands now, earns: the first time with the
rule versions live at that moment (and the member's tier multiplier), and from then on with the
versions its lots already name, so a refund after a rule changed reverses by the old rule. The
same order sent a thousand times, or its events handled twice, changes nothing after the first."""

from __future__ import annotations

import calendar
import re
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from lojal.catalog import service as catalog
from lojal.customers import service as customers
from lojal.errors import ValidationFailed
from lojal.events.domain import NewDomainEvent, record_domain_events
from lojal.kit.i18n import Translator
from lojal.loyalty import ledger, repository, rules
from lojal.loyalty.program import SPEND_RULE
from lojal.loyalty.texts import settled_text, texts_for
from lojal.models import EarningRule, LoyaltyAccount, LoyaltyProgram, PointLot, Shop
from lojal.orders import service as orders

EARNING_STATUSES = ("paid", "fulfilled")
TIER_SOURCE = re.compile(r"^tier:(\d+)x(\d+)$")


def basis_of(program: LoyaltyProgram) -> rules.Basis:
    return rules.Basis(include_shipping=program.include_shipping, include_tax=program.include_tax,
                       excluded_skus=frozenset(program.excluded_skus or ()),
                       excluded_categories=frozenset(program.excluded_categories or ()), rounding=program.rounding)


def rule_facts(rule: EarningRule) -> rules.RuleFacts:
    return rules.RuleFacts(rule.id, f"rule:{rule.id}", rule.kind, rule.points, rule.per_amount, rule.multiplier_percent,
                           frozenset(rule.skus or ()), frozenset(rule.categories or ()), rule.starts_at, rule.ends_at)


def order_facts(session: Session, shop: Shop, order: Any, lines: list[Any]) -> rules.OrderFacts:
    paths = catalog.category_paths(session, shop, [line.product_id for line in lines if line.product_id])
    return rules.OrderFacts(
        order.id, order.placed_at, order.status, order.subtotal,
        order.discount_total, order.shipping_total, order.tax_total, order.taxes_included, order.total,
        order.refunded_total,
        tuple(rules.LineFacts(line.id, line.sku, tuple(paths.get(line.product_id, ())), line.quantity, line.total,
                              line.discount, line.refunded_quantity, line.refunded_amount) for line in lines))


def live_rules(session: Session, shop: Shop, account: LoyaltyAccount | None,
               ) -> tuple[rules.RuleFacts | None, list[rules.RuleFacts]]:
    """The spend rule and the multipliers/campaigns live now, plus the member's tier multiplier."""
    current = [rule for rule in repository.current_rules(session, shop.id) if rule.active]
    base = next((rule_facts(rule) for rule in current if rule.key == SPEND_RULE), None)
    tier_id = account.tier_id if account else None
    extras = [rule_facts(rule) for rule in current if rule.kind in ("multiplier", "campaign")
              and (not rule.tiers or tier_id in rule.tiers)]
    tier = next((tier for tier in repository.tiers(session, shop.id) if tier.id == tier_id), None)
    if tier is not None and tier.multiplier_percent > 100:
        extras.append(rules.RuleFacts(None, f"tier:{tier.id}x{tier.multiplier_percent}", "tier",
                                      multiplier_percent=tier.multiplier_percent))
    return base, extras


def pinned_rules(session: Session, shop: Shop, lots: list[Any]) -> tuple[rules.RuleFacts | None, list[rules.RuleFacts]]:
    """The rules an order's existing lots were earned by (retired versions included)."""
    return pinned_from(lots, repository.rules_by_id(session, shop.id, [lot.rule_id for lot in lots if lot.rule_id]))


def pinned_from(lots: list[Any], by_id: dict[int, EarningRule]) -> tuple[rules.RuleFacts | None, list[rules.RuleFacts]]:
    base, extras, seen = None, [], set()
    for lot in lots:
        source = ":".join(lot.source_key.rsplit(":", 2)[-2:])
        if lot.rule_id in by_id and lot.rule_id not in seen:
            seen.add(lot.rule_id)
            facts = rule_facts(by_id[lot.rule_id])
            if facts.kind == "spend":
                base = facts
            else:
                extras.append(facts)
        tier = TIER_SOURCE.match(source)
        if tier and source not in seen:
            seen.add(source)
            extras.append(rules.RuleFacts(None, source, "tier", multiplier_percent=int(tier.group(2))))
    return base, extras


def sync_order(session: Session, shop: Shop, order_id: int, now: datetime, actor: str = "system") -> int:
    """Bring the order's lots to what it earns now; returns the net change in points."""
    program = repository.program(session, shop.id)
    found = orders.order_with_lines(session, shop, order_id)
    if program is None or found is None:
        return 0
    order, lines = found
    lots = repository.lots_of_order(session, shop.id, order_id)
    if not lots and (not program.enabled or order.status not in EARNING_STATUSES
                     or (program.earn_from is not None and order.placed_at < program.earn_from)):
        return 0
    account = ledger.open_account(session, shop.id, order.customer_id, now)
    lots = repository.lots_of_order(session, shop.id, order_id)  # again, under the lock
    base, extras = pinned_rules(session, shop, lots) if lots else live_rules(session, shop, account)
    if base is None:
        return 0
    facts = order_facts(session, shop, order, lines)
    if facts.status not in EARNING_STATUSES and facts.status != "cancelled":
        facts = replace(facts, status="cancelled")  # not (or no longer) paid: keeps nothing
    targets = rules.order_lot_targets(facts, basis_of(program), base, extras)
    change = _apply_targets(session, shop, account, program, order, lots, targets, now, actor)
    if order.status in EARNING_STATUSES:
        account.last_purchase_at = max(account.last_purchase_at or order.placed_at, order.placed_at)
    if change:
        record_domain_events(session, shop.id, [NewDomainEvent(
            "points.earned" if change > 0 else "points.reversed", "order", order.id, order.customer_id, now,
            {"order_id": order.id, "external_id": order.external_id, "points": change,
             "available": account.available - account.debt, "pending": account.pending})])
    return change


def _apply_targets(session: Session, shop: Shop, account: LoyaltyAccount, program: LoyaltyProgram, order: Any,
                   lots: list[PointLot], targets: list[rules.LotTarget], now: datetime, actor: str) -> int:
    by_key = {lot.source_key: lot for lot in lots}
    label = order.order_number or order.external_id
    texts = texts_for(shop)
    settled = settled_text(texts)
    change = 0
    for target in targets:
        lot = by_key.pop(target.source_key, None)
        if lot is None:
            if target.kept <= 0:
                continue
            available_at = order.placed_at + timedelta(days=program.pending_days)
            lot = ledger.new_lot(session, account, target.source_key, earned_at=order.placed_at,
                                 available_at=available_at,
                                 expires_at=rules.lot_expiry(order.placed_at, program.expiry_policy, program.expiry_months),
                                 now=now, rule_id=target.rule_id, order_id=order.id, order_line_id=target.line_id)
        cause = ledger.Cause(_description(texts, target, label, lot), actor, operation=f"order:{order.id}",
                             rule_id=target.rule_id, order_id=order.id, order_line_id=target.line_id,
                             note=f"{target.source_key}: earned {target.earned}, keeps {target.kept}")
        change += ledger.set_lot_target(session, account, program, lot, target.kept, cause, now, settled)
    for lot in by_key.values():  # lines gone from the order: their points go back
        cause = ledger.Cause(texts.gettext("Order %(order)s changed", order=label), actor, operation=f"order:{order.id}", rule_id=lot.rule_id,
                             order_id=order.id, order_line_id=lot.order_line_id, note=f"{lot.source_key} no longer in the order")
        change += ledger.set_lot_target(session, account, program, lot, 0, cause, now, settled)
    return change


def _description(texts: Translator, target: rules.LotTarget, label: str, lot: PointLot) -> str:
    if lot.earned == 0:
        return texts.gettext("Points for order %(order)s", order=label)
    if target.kept < lot.earned - lot.reversed:
        return texts.gettext("Refund or cancellation of order %(order)s", order=label)
    return texts.gettext("Order %(order)s changed", order=label)


def award_action(session: Session, shop: Shop, customer_id: int, action: str, occurrence: str, now: datetime,
                 actor: str = "system") -> int:
    """Points for an action (sign-up, birthday, review, newsletter consent, custom event...), once
    per ``occurrence`` and within each rule's limit per period. Returns the points given."""
    program = repository.program(session, shop.id)
    if program is None or not program.enabled:
        return 0
    matching = [rule for rule in repository.current_rules(session, shop.id)
                if rule.kind == "action" and rule.active and rule.action == action and rules.rule_applies(rule_facts(rule), now)]
    if not matching:
        return 0
    account = ledger.open_account(session, shop.id, customer_id, now)
    given = 0
    for rule in matching:
        if rule.tiers and account.tier_id not in rule.tiers:
            continue
        if rule.limit_count is not None and repository.action_count(
                session, shop.id, customer_id, rule.key, rules.period_start(now, rule.limit_period)) >= rule.limit_count:
            continue
        source_key = f"action:{rule.key}:{occurrence}:rule:{rule.id}"
        if repository.lot_by_source(session, shop.id, source_key) is not None:
            continue
        lot = ledger.new_lot(session, account, source_key, earned_at=now, available_at=now,
                             expires_at=rules.lot_expiry(now, program.expiry_policy, program.expiry_months),
                             now=now, rule_id=rule.id)
        cause = ledger.Cause(rule.name, actor, operation=f"action:{rule.key}:{occurrence}", rule_id=rule.id)
        given += ledger.set_lot_target(session, account, program, lot, rule.points, cause, now,
                                       settled_text(texts_for(shop)))
    if given:
        record_domain_events(session, shop.id, [NewDomainEvent(
            "points.earned", "customer", customer_id, customer_id, now,
            {"action": action, "occurrence": occurrence, "points": given})])
    return given


def adjust(session: Session, shop: Shop, customer_id: int, points: int, reason: str, note: str | None, actor: str,
           now: datetime, operation: str) -> LoyaltyAccount:
    """A manual adjustment with a reason: added as a lot of its own keyed by ``operation`` (available
    at once, expiring by the programme's policy), or taken from the oldest available lots."""
    program = repository.program(session, shop.id)
    if program is None:
        raise ValidationFailed("this shop has no customer club yet", field="program")
    account = ledger.open_account(session, shop.id, customer_id, now)
    if repository.operation_done(session, shop.id, customer_id, operation):
        return account  # the same adjustment again: already done
    cause = ledger.Cause(reason, actor, note, operation)
    if points > 0:
        lot = ledger.new_lot(session, account, operation, earned_at=now, available_at=now,
                             expires_at=rules.lot_expiry(now, program.expiry_policy, program.expiry_months), now=now)
        lot.earned, lot.remaining = points, points
        ledger.post(session, account, "adjust", cause, now, lot=lot, available=points, earned=points)
        ledger.settle_debt(session, account, lot, now, settled_text(texts_for(shop)))
    else:
        ledger.spend(session, account, -points, cause, now, kind="adjust")
    record_domain_events(session, shop.id, [NewDomainEvent("points.adjusted", "customer", customer_id, customer_id,
                                                           now, {"points": points, "reason": reason})])
    return account


def award_birthdays(session: Session, shop: Shop, now: datetime) -> int:
    """Birthday points for members whose birthday is today in the shop's time zone, once a year
    (the occurrence is the year). Members born on 29 February get theirs on 28 February in other years."""
    if not any(rule.kind == "action" and rule.action == "birthday" and rule.active
               for rule in repository.current_rules(session, shop.id)):
        return 0
    today = now.astimezone(ZoneInfo(shop.timezone)).date()
    born = set(customers.ids_with_birthday(session, shop, today.month, today.day))
    if (today.month, today.day) == (2, 28) and not calendar.isleap(today.year):
        born |= set(customers.ids_with_birthday(session, shop, 2, 29))
    return sum(award_action(session, shop, customer_id, "birthday", f"birthday:{today.year}", now,
                            actor="job:loyalty.birthdays") for customer_id in sorted(born))
