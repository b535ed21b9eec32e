"""Pure rules of the customer club, tested without a database: the points an order earns per
line and rule, how a refund takes them back, tiers for a qualifying value, progress, expiry.

Points for an order are computed per rule on the whole order and then shared out over its lines
by largest remainder, so the lines' lots add up to exactly what the order earns (three lines of
39.90 at 1 point per krone earn 119 points, not 3 x 39)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

ROUNDINGS = ("down", "nearest", "up")
EXPIRY_POLICIES = ("never", "lot_age", "inactivity")
TIER_WINDOWS = ("rolling_12", "calendar_year", "lifetime")
SHIPPING = "shipping"


@dataclass(frozen=True)
class LineFacts:
    line_id: int
    sku: str | None
    categories: tuple[str, ...]
    quantity: int
    total: int
    """After the line's own discount, minor units."""
    discount: int
    refunded_quantity: int
    refunded_amount: int


@dataclass(frozen=True)
class OrderFacts:
    order_id: int
    placed_at: datetime
    status: str
    subtotal: int
    discount_total: int
    shipping_total: int
    tax_total: int
    taxes_included: bool
    total: int
    refunded_total: int
    lines: tuple[LineFacts, ...]


@dataclass(frozen=True)
class Basis:
    """What counts of an order, from the programme settings."""

    include_shipping: bool = False
    include_tax: bool = True
    excluded_skus: frozenset[str] = frozenset()
    excluded_categories: frozenset[str] = frozenset()
    rounding: str = "down"


@dataclass(frozen=True)
class RuleFacts:
    """One version of a spend, multiplier, campaign or tier rule, as far as an order is concerned."""

    rule_id: int | None
    source: str
    """``rule:<id>`` for earning rules, ``tier:<id>`` for a tier's multiplier."""
    kind: str
    points: int = 0
    per_amount: int = 100
    multiplier_percent: int = 100
    skus: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@dataclass(frozen=True)
class LotTarget:
    source_key: str
    rule_id: int | None
    line_id: int | None
    earned: int
    """What the line earned by this rule on the order as sold."""
    kept: int
    """What it keeps after refunds and cancellation: the lot's target."""


def round_points(numerator: int, denominator: int, rounding: str) -> int:
    """``numerator / denominator`` rounded down, to nearest (halves up) or up."""
    if rounding == "up":
        return -((-numerator) // denominator)
    if rounding == "nearest":
        return (2 * numerator + denominator) // (2 * denominator)
    return numerator // denominator


def share_out(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` over ``weights`` in proportion, by largest remainder (ties: first wins)."""
    weight_sum = sum(weights)
    if total == 0 or weight_sum == 0:
        return [0] * len(weights)
    return allocate(total, [total * weight for weight in weights], weight_sum)


def allocate(total: int, numerators: list[int], denominator: int) -> list[int]:
    """Whole points for values ``numerator / denominator`` whose sum rounds to ``total``: each gets
    its floor, and the points left go to the largest fractions (ties: first wins)."""
    shares = [numerator // denominator for numerator in numerators]
    remainders = [numerator % denominator for numerator in numerators]
    order = sorted(range(len(numerators)), key=lambda index: (-remainders[index], index))
    for index in order[: max(0, total - sum(shares))]:
        shares[index] += 1
    return shares


def line_matches(line: LineFacts, skus: frozenset[str], categories: frozenset[str]) -> bool:
    if not skus and not categories:
        return True
    in_category = any(category in categories for category in line.categories)
    return (line.sku is not None and line.sku in skus) or in_category


def counted_amounts(order: OrderFacts, basis: Basis) -> tuple[dict[str, int], int]:
    """The amount of each line (and of shipping) that earns points, before refunds, as numerators
    over one denominator: the line's total less its share of order-level discounts, tax in or out
    as the programme says, excluded products and gift cards out."""
    line_discounts = sum(line.discount for line in order.lines)
    order_discount = max(0, order.discount_total - line_discounts)
    gross = [line.total for line in order.lines]
    discount_shares = share_out(order_discount, gross) if order_discount else [0] * len(gross)
    tax_numerator, tax_denominator = _tax_ratio(order, basis)
    amounts: dict[str, int] = {}
    for line, amount, discount in zip(order.lines, gross, discount_shares, strict=True):
        if line.sku in basis.excluded_skus or any(category in basis.excluded_categories for category in line.categories):
            continue
        amounts[str(line.line_id)] = max(0, amount - discount) * tax_numerator
    if basis.include_shipping and order.shipping_total > 0:
        amounts[SHIPPING] = order.shipping_total * tax_numerator
    return amounts, tax_denominator


def _tax_ratio(order: OrderFacts, basis: Basis) -> tuple[int, int]:
    if order.tax_total <= 0 or order.total <= 0:
        return 1, 1
    if order.taxes_included and not basis.include_tax:
        return order.total - order.tax_total, order.total
    if not order.taxes_included and basis.include_tax and order.total > order.tax_total:
        return order.total, order.total - order.tax_total
    return 1, 1


def kept_share(order: OrderFacts, key: str) -> tuple[int, int]:
    """What part of a line's points survives refunds, as (numerator, denominator): quantities
    refunded per line, in proportion; refunds not tied to lines (shipping, goodwill) shrink every
    line alike; a cancelled order keeps none."""
    if order.status == "cancelled":
        return 0, 1
    line_refunds = sum(line.refunded_amount for line in order.lines)
    loose_refund = max(0, order.refunded_total - line_refunds)
    remaining_total = order.total - line_refunds
    if remaining_total <= 0:
        return 0, 1
    loose = (remaining_total - min(loose_refund, remaining_total), remaining_total)
    if key == SHIPPING:
        return loose
    line = _line(order, key)
    if line.quantity <= 0:
        return 0, 1
    return (line.quantity - min(line.refunded_quantity, line.quantity)) * loose[0], line.quantity * loose[1]


def rule_applies(rule: RuleFacts, placed_at: datetime) -> bool:
    return (rule.starts_at is None or placed_at >= rule.starts_at) and (rule.ends_at is None or placed_at < rule.ends_at)


def order_lot_targets(order: OrderFacts, basis: Basis, base: RuleFacts, extras: list[RuleFacts]) -> list[LotTarget]:
    """Lots an order earns: the base spend rule on every counted line, and each multiplier,
    campaign or tier rule on the lines it matches (the extra above 100 %). Refunds take back
    in proportion to the refunded quantity, rounded half up, from the line's own lots. Exact
    integer arithmetic throughout (tests/loyalty/reference_points.py is the same in Fractions)."""
    amounts, tax_denominator = counted_amounts(order, basis)
    targets: list[LotTarget] = []
    for rule in [base, *extras]:
        if rule is not base and not rule_applies(rule, order.placed_at):
            continue
        extra = (rule.multiplier_percent - 100, 100) if rule is not base else (1, 1)
        if extra[0] <= 0:
            continue
        scale = base.points * extra[0]
        denominator = tax_denominator * base.per_amount * extra[1]
        weights = {key: amount * scale for key, amount in amounts.items() if rule is base or _covers(rule, order, key)}
        if not weights:
            continue
        total = round_points(sum(weights.values()), denominator, basis.rounding)
        for key, earned in zip(weights, allocate(total, list(weights.values()), denominator), strict=True):
            kept_numerator, kept_denominator = kept_share(order, key)
            taken = (2 * earned * (kept_denominator - kept_numerator) + kept_denominator) // (2 * kept_denominator)
            line_id = None if key == SHIPPING else int(key)
            source = f"order:{order.order_id}:{'shipping' if key == SHIPPING else 'line:' + key}:{rule.source}"
            targets.append(LotTarget(source, rule.rule_id, line_id, earned, earned - taken))
    return targets


def _covers(rule: RuleFacts, order: OrderFacts, key: str) -> bool:
    if key == SHIPPING:
        return not (rule.skus or rule.categories)
    return line_matches(_line(order, key), rule.skus, rule.categories)


def _line(order: OrderFacts, key: str) -> LineFacts:
    return next(line for line in order.lines if str(line.line_id) == key)


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError(moment)  # pragma: no cover


def lot_expiry(earned_at: datetime, policy: str, months: int) -> datetime | None:
    """``lot_age``: each lot N months after it was earned. ``inactivity`` expires whole balances
    from the last purchase (see ``inactive_since``); ``never``: no expiry."""
    return add_months(earned_at, months) if policy == "lot_age" else None


def inactive_since(now: datetime, months: int) -> datetime:
    """Under the ``inactivity`` policy, members whose last purchase is before this lose their points."""
    return add_months(now, -months)


@dataclass(frozen=True)
class TierFacts:
    tier_id: int
    name: str
    position: int
    threshold: int
    retain_threshold: int


def tier_for(value: int, tiers: list[TierFacts]) -> TierFacts | None:
    """The highest tier whose threshold the value reaches."""
    reached = [tier for tier in tiers if value >= tier.threshold]
    return max(reached, key=lambda tier: tier.position) if reached else None


def tier_after_review(value: int, current: TierFacts | None, tiers: list[TierFacts]) -> TierFacts | None:
    """At the end of a qualification period: keep the tier if the value reaches its retain
    threshold (or a higher tier's threshold); otherwise the highest tier the value retains."""
    reached = tier_for(value, tiers)
    if current is not None and value >= current.retain_threshold:
        return reached if reached is not None and reached.position > current.position else current
    retained = [tier for tier in tiers if value >= tier.retain_threshold
                and (current is None or tier.position < current.position)]
    return max(retained, key=lambda tier: tier.position) if retained else None


def window_start(now: datetime, window: str) -> datetime | None:
    if window == "rolling_12":
        return add_months(now, -12)
    if window == "calendar_year":
        return now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return None


def next_review(now: datetime, window: str) -> datetime | None:
    """When a tier reached now is reviewed: 12 months on (rolling), at the end of the next
    calendar year (calendar year: a tier reached this year holds through next year), never (lifetime)."""
    if window == "rolling_12":
        return add_months(now, 12)
    if window == "calendar_year":
        return now.replace(year=now.year + 2, month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return None


@dataclass(frozen=True)
class Progress:
    tier: str
    threshold: int
    value: int
    left: int
    percent: float
    deadline: datetime | None


@dataclass(frozen=True)
class TierProgress:
    value: int
    current: str | None
    to_next: Progress | None
    to_keep: Progress | None
    basis: str
    window: str
    extra: dict[str, object] = field(default_factory=dict)


def progress(value: int, current: TierFacts | None, tiers: list[TierFacts], review_at: datetime | None,
             window_end: datetime | None) -> tuple[Progress | None, Progress | None]:
    """What is left to the next tier and to keep the current one, as an amount, a share (0..1)
    and a deadline (the window's end for the next tier, the review for keeping)."""
    higher = sorted((tier for tier in tiers if current is None or tier.position > current.position),
                    key=lambda tier: tier.position)
    to_next = None
    if higher:
        target = higher[0]
        to_next = Progress(target.name, target.threshold, value, max(0, target.threshold - value),
                           _share(value, target.threshold), window_end)
    to_keep = None
    if current is not None:
        to_keep = Progress(current.name, current.retain_threshold, value, max(0, current.retain_threshold - value),
                           _share(value, current.retain_threshold), review_at)
    return to_next, to_keep


def _share(value: int, target: int) -> float:
    return 1.0 if target <= 0 else min(1.0, value / target)


def period_start(now: datetime, period: str | None) -> datetime | None:
    """Start of the limit period of an action rule: day, week, month, year, or None (lifetime)."""
    if period == "day":
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        return (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "month":
        return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if period == "year":
        return now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return None
