"""The club's pure rules, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from lojal.loyalty.rules import (
    Basis,
    LineFacts,
    OrderFacts,
    RuleFacts,
    TierFacts,
    add_months,
    allocate,
    counted_amounts,
    lot_expiry,
    order_lot_targets,
    progress,
    round_points,
    share_out,
    tier_after_review,
    tier_for,
)
from tests.loyalty import reference_points as reference

PLACED = datetime(2026, 3, 14, 17, 22, tzinfo=UTC)
ONE_PER_KRONE = RuleFacts(rule_id=1, source="rule:1", kind="spend", points=1, per_amount=100)


def line(line_id: int, total: int, quantity: int = 1, sku: str | None = None, categories: tuple[str, ...] = (),
         refunded_quantity: int = 0, refunded_amount: int = 0, discount: int = 0) -> LineFacts:
    return LineFacts(line_id, sku, categories, quantity, total, discount, refunded_quantity, refunded_amount)


def order(*lines: LineFacts, shipping: int = 0, discount: int = 0, tax: int = 0, taxes_included: bool = True,
          status: str = "paid", refunded: int | None = None) -> OrderFacts:
    subtotal = sum(item.total for item in lines)
    total = subtotal - discount + shipping + (0 if taxes_included else tax)
    line_refunds = sum(item.refunded_amount for item in lines)
    return OrderFacts(7, PLACED, status, subtotal, discount, shipping, tax, taxes_included, total,
                      line_refunds if refunded is None else refunded, tuple(lines))


def kept(targets) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {target.source_key: target.kept for target in targets}


def test_lines_add_up_to_what_the_whole_order_earns() -> None:
    targets = order_lot_targets(order(line(1, 3990), line(2, 3990), line(3, 3990)), Basis(), ONE_PER_KRONE, [])
    assert [target.earned for target in targets] == [40, 40, 39]  # 119.70 kroner: 119 points
    rounded_up = order_lot_targets(order(line(1, 3990), line(2, 3990), line(3, 3990)), Basis(rounding="up"),
                                   ONE_PER_KRONE, [])
    assert [target.earned for target in rounded_up] == [40, 40, 40]
    assert [target.source_key for target in targets] == ["order:7:line:1:rule:1", "order:7:line:2:rule:1",
                                                          "order:7:line:3:rule:1"]


def test_order_discount_is_shared_over_lines_and_shipping_and_tax_follow_the_settings() -> None:
    facts = order(line(1, 30000), line(2, 10000), shipping=4900, discount=4000, tax=8980)
    assert counted_amounts(facts, Basis()) == ({"1": 27000, "2": 9000}, 1)
    amounts, denominator = counted_amounts(facts, Basis(include_shipping=True, include_tax=False))
    tax_share = 1 - Fraction(8980, facts.total)
    assert {key: Fraction(value, denominator) for key, value in amounts.items()} == {
        "1": 27000 * tax_share, "2": 9000 * tax_share, "shipping": 4900 * tax_share}


def test_excluded_skus_and_categories_earn_nothing() -> None:
    facts = order(line(1, 50000, sku="GAVEKORT"), line(2, 10000, categories=("Gaver", "Gavekort")), line(3, 10000))
    targets = order_lot_targets(facts, Basis(excluded_skus=frozenset({"GAVEKORT"}),
                                             excluded_categories=frozenset({"Gavekort"})), ONE_PER_KRONE, [])
    assert kept(targets) == {"order:7:line:3:rule:1": 100}


def test_multipliers_and_campaigns_add_their_extra_on_matching_lines_within_their_window() -> None:
    tennis = RuleFacts(rule_id=2, source="rule:2", kind="multiplier", multiplier_percent=300,
                       categories=frozenset({"Tennis"}))
    weekend = RuleFacts(rule_id=3, source="rule:3", kind="campaign", multiplier_percent=200,
                        starts_at=datetime(2026, 3, 13, tzinfo=UTC), ends_at=datetime(2026, 3, 16, tzinfo=UTC))
    last_year = replace(weekend, rule_id=4, source="rule:4", ends_at=datetime(2025, 3, 16, tzinfo=UTC))
    facts = order(line(1, 45900, categories=("Sport", "Tennis")), line(2, 7980))
    targets = kept(order_lot_targets(facts, Basis(), ONE_PER_KRONE, [tennis, weekend, last_year]))
    assert targets == {"order:7:line:1:rule:1": 459, "order:7:line:2:rule:1": 79,  # 538.80 kroner: 538 points
                       "order:7:line:1:rule:2": 918,
                       "order:7:line:1:rule:3": 459, "order:7:line:2:rule:3": 79}


def test_a_refund_takes_back_the_refunded_share_of_the_line_from_its_own_lots() -> None:
    facts = order(line(1, 7980, quantity=2, refunded_quantity=1, refunded_amount=3990), line(2, 45900))
    targets = order_lot_targets(facts, Basis(), ONE_PER_KRONE, [])
    assert [(target.earned, target.kept) for target in targets] == [(79, 39), (459, 459)]  # 39.5 back, half up
    cancelled = order_lot_targets(replace(facts, status="cancelled"), Basis(), ONE_PER_KRONE, [])
    assert [target.kept for target in cancelled] == [0, 0]


def test_a_refund_not_tied_to_lines_shrinks_every_line_alike() -> None:
    facts = order(line(1, 10000), line(2, 30000), refunded=10000)
    assert [target.kept for target in order_lot_targets(facts, Basis(), ONE_PER_KRONE, [])] == [75, 225]


def test_rounding_settings() -> None:
    ten_per_hundred = RuleFacts(rule_id=1, source="rule:1", kind="spend", points=10, per_amount=10000)
    facts = order(line(1, 14999))
    assert [t.earned for t in order_lot_targets(facts, Basis(rounding="down"), ten_per_hundred, [])] == [14]
    assert [t.earned for t in order_lot_targets(facts, Basis(rounding="nearest"), ten_per_hundred, [])] == [15]
    assert [t.earned for t in order_lot_targets(order(line(1, 14001)), Basis(rounding="up"), ten_per_hundred, [])] == [15]


@given(st.lists(st.integers(0, 10**9), min_size=1, max_size=12), st.integers(1, 10**6),
       st.sampled_from(["down", "nearest", "up"]))
def test_allocated_points_add_up_to_the_rounded_whole(numerators: list[int], denominator: int, rounding: str) -> None:
    total = round_points(sum(numerators), denominator, rounding)
    shares = allocate(total, numerators, denominator)
    assert sum(shares) == total
    assert all(value // denominator <= share <= value // denominator + 1
               for value, share in zip(numerators, shares, strict=True))


@given(st.integers(0, 10**7), st.lists(st.integers(0, 10**6), min_size=1, max_size=12))
def test_share_out_is_exact_and_never_negative(total: int, weights: list[int]) -> None:
    shares = share_out(total, weights)
    assert all(share >= 0 for share in shares)
    assert sum(shares) == (total if sum(weights) else 0)


TIERS = [TierFacts(1, "Bronse", 1, 0, 0), TierFacts(2, "Sølv", 2, 500000, 400000),
         TierFacts(3, "Gull", 3, 1500000, 1200000)]


def test_tier_for_a_value_and_review_keeps_above_the_retain_threshold() -> None:
    assert tier_for(499999, TIERS).name == "Bronse" and tier_for(1500000, TIERS).name == "Gull"
    gold = TIERS[2]
    assert tier_after_review(1200000, gold, TIERS).name == "Gull"  # below the threshold, above retain
    assert tier_after_review(1199999, gold, TIERS).name == "Sølv"
    assert tier_after_review(100, gold, TIERS).name == "Bronse"
    assert tier_after_review(2000000, TIERS[1], TIERS).name == "Gull"


def test_progress_to_the_next_tier_and_to_keep_this_one() -> None:
    review = datetime(2027, 3, 1, tzinfo=UTC)
    to_next, to_keep = progress(300000, TIERS[1], TIERS, review, None)
    assert (to_next.tier, to_next.left, round(to_next.percent, 2)) == ("Gull", 1200000, 0.2)
    assert (to_keep.tier, to_keep.left, to_keep.percent, to_keep.deadline) == ("Sølv", 100000, 0.75, review)
    assert progress(2000000, TIERS[2], TIERS, review, None)[0] is None


def test_month_arithmetic_keeps_to_the_end_of_short_months() -> None:
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2026, 11, 15, tzinfo=UTC), -12) == datetime(2025, 11, 15, tzinfo=UTC)
    assert lot_expiry(PLACED, "lot_age", 24) == datetime(2028, 3, 14, 17, 22, tzinfo=UTC)
    assert lot_expiry(PLACED, "never", 24) is None


LINES = st.builds(lambda line_id, quantity, price, discount, refunded, sku, category: LineFacts(
    line_id, sku, (category,), quantity, quantity * price - min(discount, quantity * price), min(discount, quantity * price),
    min(refunded, quantity), min(refunded, quantity) * price),
    st.integers(1, 10**6), st.integers(1, 9), st.integers(0, 10**6), st.integers(0, 5000), st.integers(0, 9),
    st.sampled_from([None, "A", "B"]), st.sampled_from(["Tennis", "Golf", "Gavekort"]))


@given(st.lists(LINES, min_size=1, max_size=6, unique_by=lambda line: line.line_id), st.integers(0, 20000),
       st.integers(0, 9900), st.integers(0, 30000), st.booleans(), st.integers(0, 5000),
       st.sampled_from(["paid", "cancelled"]), st.builds(Basis, st.booleans(), st.booleans(),
                                                         st.sampled_from([frozenset(), frozenset({"A"})]),
                                                         st.sampled_from([frozenset(), frozenset({"Gavekort"})]),
                                                         st.sampled_from(["down", "nearest", "up"])),
       st.integers(1, 20), st.sampled_from([1, 100, 10000]), st.integers(101, 400))
def test_the_integer_rules_give_exactly_what_the_fraction_reference_gives(
        lines, discount, shipping, tax, taxes_included, loose_refund, status, basis, points, per_amount, percent) -> None:  # type: ignore[no-untyped-def]
    subtotal = sum(line.total for line in lines)
    total = max(0, subtotal - discount) + shipping + (0 if taxes_included else tax)
    line_refunds = sum(line.refunded_amount for line in lines)
    facts = OrderFacts(7, PLACED, status, subtotal, discount, shipping, min(tax, total), taxes_included, total,
                       min(total, line_refunds + loose_refund), tuple(lines))
    base = RuleFacts(1, "rule:1", "spend", points, per_amount)
    extras = [RuleFacts(2, "rule:2", "multiplier", multiplier_percent=percent, categories=frozenset({"Tennis"})),
              RuleFacts(None, "tier:3x150", "tier", multiplier_percent=150)]
    assert order_lot_targets(facts, basis, base, extras) == reference.order_lot_targets(facts, basis, base, extras)
