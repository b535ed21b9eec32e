"""The points rules written plainly with Fractions: the reference the fast integer version in
``lojal.loyalty.rules`` is checked against (tests/loyalty/test_rules.py)."""

from __future__ import annotations

from fractions import Fraction
from math import ceil, floor

from lojal.loyalty.rules import SHIPPING, Basis, LineFacts, LotTarget, OrderFacts, RuleFacts, line_matches, rule_applies


def round_points(value: Fraction, rounding: str) -> int:
    if rounding == "up":
        return ceil(value)
    if rounding == "nearest":
        return floor(value + Fraction(1, 2))
    return floor(value)


def share_out(total: int, weights: list[Fraction]) -> list[int]:
    """Split ``total`` over ``weights`` in proportion, by largest remainder (ties: first wins)."""
    weight_sum = sum(weights, Fraction(0))
    if total == 0 or weight_sum == 0:
        return [0] * len(weights)
    exact = [total * weight / weight_sum for weight in weights]
    shares = [floor(value) for value in exact]
    order = sorted(range(len(weights)), key=lambda index: (-(exact[index] - shares[index]), index))
    for index in order[: total - sum(shares)]:
        shares[index] += 1
    return shares


def allocate(total: int, exact: list[Fraction]) -> list[int]:
    """Whole points for values whose sum rounds to ``total``: each gets its floor, and the points
    left go to the largest fractions (ties: first wins). ``total`` is at least the floors' sum."""
    shares = [floor(value) for value in exact]
    order = sorted(range(len(exact)), key=lambda index: (-(exact[index] - shares[index]), index))
    for index in order[: max(0, total - sum(shares))]:
        shares[index] += 1
    return shares


def counted_amounts(order: OrderFacts, basis: Basis) -> dict[str, Fraction]:
    """The amount of each line (and of shipping) that earns points, before refunds: the line's
    total less its share of order-level discounts, tax in or out as the programme says, excluded
    products and gift cards out."""
    line_discounts = sum(line.discount for line in order.lines)
    order_discount = max(0, order.discount_total - line_discounts)
    gross = [Fraction(line.total) for line in order.lines]
    discount_shares = share_out(order_discount, gross) if order_discount else [0] * len(gross)
    tax_factor = _tax_factor(order, basis)
    amounts: dict[str, Fraction] = {}
    for line, amount, discount in zip(order.lines, gross, discount_shares, strict=True):
        if line.sku in basis.excluded_skus or any(category in basis.excluded_categories for category in line.categories):
            continue
        amounts[str(line.line_id)] = max(Fraction(0), amount - discount) * tax_factor
    if basis.include_shipping and order.shipping_total > 0:
        amounts[SHIPPING] = Fraction(order.shipping_total) * tax_factor
    return amounts


def _tax_factor(order: OrderFacts, basis: Basis) -> Fraction:
    if order.tax_total <= 0 or order.total <= 0:
        return Fraction(1)
    if order.taxes_included and not basis.include_tax:
        return 1 - Fraction(order.tax_total, order.total)
    if not order.taxes_included and basis.include_tax and order.total > order.tax_total:
        return 1 + Fraction(order.tax_total, order.total - order.tax_total)
    return Fraction(1)


def kept_share(order: OrderFacts, key: str) -> Fraction:
    """What part of a line's points survives refunds: quantities refunded per line, in proportion;
    refunds not tied to lines (shipping, goodwill) shrink every line alike; cancelled keeps none."""
    if order.status == "cancelled":
        return Fraction(0)
    line_refunds = sum(line.refunded_amount for line in order.lines)
    loose_refund = max(0, order.refunded_total - line_refunds)
    remaining_total = order.total - line_refunds
    loose = 1 - Fraction(min(loose_refund, remaining_total), remaining_total) if remaining_total > 0 else Fraction(0)
    if key == SHIPPING:
        return loose
    line = next(line for line in order.lines if str(line.line_id) == key)
    if line.quantity <= 0:
        return Fraction(0)
    return Fraction(line.quantity - min(line.refunded_quantity, line.quantity), line.quantity) * loose


def order_lot_targets(order: OrderFacts, basis: Basis, base: RuleFacts, extras: list[RuleFacts]) -> list[LotTarget]:
    """Lots an order earns: the base spend rule on every counted line, and each multiplier,
    campaign or tier rule on the lines it matches (the extra above 100 %). Refunds take back
    in proportion to the refunded quantity, rounded half up, from the line's own lots."""
    amounts = counted_amounts(order, basis)
    rate = Fraction(base.points, base.per_amount)
    targets: list[LotTarget] = []
    for rule in [base, *extras]:
        if rule is not base and not rule_applies(rule, order.placed_at):
            continue
        extra = Fraction(rule.multiplier_percent - 100, 100) if rule is not base else Fraction(1)
        weights = {key: amount * rate * extra for key, amount in amounts.items()
                   if rule is base or _covers(rule, order, key)}
        if not weights or extra <= 0:
            continue
        total = round_points(sum(weights.values(), Fraction(0)), basis.rounding)
        for key, earned in zip(weights, allocate(total, list(weights.values())), strict=True):
            kept = earned - _half_up(earned * (1 - kept_share(order, key)))
            line_id = None if key == SHIPPING else int(key)
            source = f"order:{order.order_id}:{'shipping' if key == SHIPPING else 'line:' + key}:{rule.source}"
            targets.append(LotTarget(source, rule.rule_id, line_id, earned, kept))
    return targets


def _covers(rule: RuleFacts, order: OrderFacts, key: str) -> bool:
    if key == SHIPPING:
        return not (rule.skus or rule.categories)
    return line_matches(_line(order, key), rule.skus, rule.categories)


def _line(order: OrderFacts, key: str) -> LineFacts:
    return next(line for line in order.lines if str(line.line_id) == key)


def _half_up(value: Fraction) -> int:
    return floor(value + Fraction(1, 2))
