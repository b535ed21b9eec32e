"""The BG/NBD and MBG/NBD conditional expectation, E[purchases in (T, T+t] | alive], against
references computed independently at high precision: the papers' closed form
c/(a-1) [1 - (1-z)^(r+x) 2F1(r+x, b+x; c; z)] summed term by term in 60-digit decimal arithmetic
(always), and mpmath's 2F1 at 100 digits (when mpmath is installed). The regions include the one
where scipy's 2F1 returns NaN: a and b in the millions (the demo shop, fitted on 2026-11-23)."""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

import numpy as np
import pytest

from lojal.analytics.clv import BgNbd, MbgNbd
from lojal.analytics.clv.predictions import expected_purchases
from lojal.analytics.clv.special import _closed_form, beta_geometric_purchases_if_alive

DEMO_2026_11_23 = BgNbd(r=1.202636125771138, alpha=24.203818427814937, a=7214738.05468759, b=74566213.91836673)


def decimal_closed_form(shape: float, z: float, survival_shape: float, survival_total: float) -> float:
    """c/(a-1) [1 - (1-z)^shape sum_k (shape)_k (b')_k / ((c)_k k!) z^k] with c = survival_total - 1
    and a - 1 = survival_total - survival_shape - 1, in 60-digit decimals (positive terms; summed
    until the tail bound term / (1 - ratio) is below 1e-40 of the sum, once the term ratio, which
    then decreases, is below 1)."""
    with localcontext() as context:
        context.prec = 60
        m, zz, b, c = (Decimal(repr(float(value))) for value in (shape, z, survival_shape, survival_total - 1.0))
        a_minus_one = c - b
        term, total, k = Decimal(1), Decimal(1), 0
        while True:
            ratio = (m + k) * (b + k) / ((c + k) * (k + 1)) * zz
            term *= ratio
            total += term
            k += 1
            if ratio < 1 and term / (1 - ratio) < total * Decimal("1e-40"):
                break
            assert k < 200_000
        power = ((Decimal(1) - zz).ln() * m).exp()
        return float(c / a_minus_one * (Decimal(1) - power * total))


CASES = [
    # (r, alpha, a, b, x, T, t): typical CDNOW-like, the benchmark's truth (days), the demo failure
    # region (a and b in the millions), dropout near certain, a close to 1 and below 1, heavy buyers.
    (0.243, 4.414, 0.793, 2.426, 2, 38.86, 39.0),
    (0.243, 4.414, 0.793, 2.426, 0, 0.0, 52.0),
    (2.0, 80.0, 2.0, 25.0, 7, 400.0, 273.0),
    (2.0, 80.0, 2.0, 25.0, 60, 10.0, 365.0),
    (1.2026, 24.2038, 7214738.05, 74566213.9, 0, 30.0, 26.0),
    (1.2026, 24.2038, 7214738.05, 74566213.9, 5, 52.0, 26.0),
    (1.2026, 24.2038, 7214738.05, 74566213.9, 40, 104.0, 52.0),
    (1.2026, 24.2038, 7214738.05, 74566213.9, 3, 0.0, 52.0),
    (5.0, 0.5, 50.0, 3.0, 60, 5.0, 39.0),
    (0.3, 3.0, 1.0000001, 3.0, 4, 20.0, 39.0),
    (0.5, 1.0, 0.1, 0.2, 1, 5.0, 39.0),
    (3.0, 10.0, 0.999, 5.0, 300, 100.0, 52.0),
    (0.55, 10.0, 0.9, 1.6, 500, 38.0, 39.0),
]


@pytest.mark.parametrize(("r", "alpha", "a", "b", "x", "age", "horizon"), CASES)
@pytest.mark.parametrize("shift", [0.0, 1.0], ids=["bg-nbd", "mbg-nbd"])
def test_expectation_if_alive_matches_the_closed_form_in_decimals(r, alpha, a, b, x, age, horizon, shift) -> None:
    shape, z = r + x, horizon / (alpha + age + horizon)
    arguments = (shape, z, b + x + shift, a + b + x + shift)
    with np.errstate(all="raise"):
        computed = beta_geometric_purchases_if_alive(*(np.array([value]) for value in arguments))[0]
    assert computed == pytest.approx(decimal_closed_form(*arguments), rel=1e-11)


def test_scipy_fails_where_the_series_does_not() -> None:
    """The region of the refusal: scipy's (Euler-transformed) 2F1 is not finite there."""
    arguments = [np.array([value]) for value in (1.2026 + 5, 26.0 / (24.2038 + 52.0 + 26.0), 74566213.9 + 5,
                                                 7214738.05 + 74566213.9 + 5)]
    assert not np.isfinite(_closed_form(*arguments)[0])
    assert np.isfinite(beta_geometric_purchases_if_alive(*arguments)[0])


def test_demo_model_predicts_finite_holdout_purchases_close_to_the_fixed_dropout_limit() -> None:
    """With a and b in the millions the dropout probability is the constant p = a/(a+b) for everyone,
    and E[purchases | alive] is the geometric-thinned negative binomial: sum_k P(N >= k) (1-p)^(k-1)."""
    frequency, recency, age = np.array([0.0, 3.0, 12.0]), np.array([0.0, 20.0, 70.0]), np.array([30.0, 52.0, 80.0])
    predicted = expected_purchases(DEMO_2026_11_23, 26.0, frequency, recency, age)
    assert np.all(np.isfinite(predicted)) and np.all(predicted > 0)
    p = DEMO_2026_11_23.a / (DEMO_2026_11_23.a + DEMO_2026_11_23.b)
    for index, (x, t) in enumerate(zip(frequency, age, strict=True)):
        shape, z = DEMO_2026_11_23.r + x, 26.0 / (DEMO_2026_11_23.alpha + t + 26.0)
        below, limit = 0.0, 0.0
        for k in range(2000):
            probability = math.exp(math.lgamma(shape + k) - math.lgamma(shape) - math.lgamma(k + 1)
                                   + shape * math.log1p(-z) + k * math.log(z))
            below += probability
            limit += max(1.0 - below, 0.0) * (1.0 - p) ** k  # P(N >= k+1) (1-p)^k
        alive = DEMO_2026_11_23.probability_alive(frequency[index:index + 1], recency[index:index + 1],
                                                  age[index:index + 1])[0]
        assert predicted[index] == pytest.approx(alive * limit, rel=1e-6)


@pytest.mark.parametrize("model", [BgNbd(2.0, 80.0, 2.0, 25.0), MbgNbd(0.525, 6.183, 0.891, 1.614), DEMO_2026_11_23])
def test_new_customer_expectation_is_the_expectation_at_zero(model) -> None:
    """E[X(t)] of a new customer equals the conditional expectation of one with x = 0, T = 0 (for
    the MBG/NBD times b/(a+b), the chance of surviving the first purchase)."""
    conditional = expected_purchases(model, 39.0, np.array([0.0]), np.array([0.0]), np.array([0.0]))[0]
    assert model.expected_purchases_new_customer(39.0) == pytest.approx(conditional, rel=1e-12)


MPMATH_CASES = CASES + [
    (5.0, 0.5, 50.0, 3.0, 500, 0.0, 365.0),  # z = 0.9986: the complement series
    (2.0, 0.5, 3.0, 1.0, 200, 1.0, 365.0),
    (0.3, 0.2, 0.6, 2.0, 0, 0.0, 365.0),  # a < 1 with z near 1: the closed-form fallback
]


@pytest.mark.parametrize(("r", "alpha", "a", "b", "x", "age", "horizon"), MPMATH_CASES)
def test_expectation_if_alive_matches_mpmath(r, alpha, a, b, x, age, horizon) -> None:
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 100
    shape, z = r + x, horizon / (alpha + age + horizon)
    survival_shape, survival_total = b + x, a + b + x  # the floats the function gets
    c = mpmath.mpf(survival_total) - 1
    a_minus_one = c - mpmath.mpf(survival_shape)
    expected = c / a_minus_one * (1 - (1 - mpmath.mpf(z)) ** shape * mpmath.hyp2f1(
        shape, mpmath.mpf(survival_shape), c, mpmath.mpf(z), maxterms=10**6))
    computed = beta_geometric_purchases_if_alive(np.array([shape]), np.array([z]), np.array([survival_shape]),
                                                 np.array([survival_total]))[0]
    assert computed == pytest.approx(float(expected), rel=1e-9)
