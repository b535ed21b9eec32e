"""The Pareto/NBD dropout integral by quadrature, with its derivatives in the parameters.

    I(r, alpha, s, beta; x, t_x, T) = integral from t_x to T of (alpha+u)^-(r+x) (beta+u)^-(s+1) du

Substitution: with c the smaller and d the larger of alpha and beta, tau = ln((c+u)/(c+t_x)) turns
the integrand into (c+t_x)^(1-e1) (d+t_x)^(-e2) e^(-(e1-1) tau) (1 + rho (e^tau - 1))^(-e2), with
e1, e2 the exponents of (c+u) and (d+u) (r+x and s+1, in the order of c and d) and
rho = (c+t_x)/(d+t_x) <= 1. Writing it as e^(-lambda tau) k(tau) with lambda = e1 - 1 + e2 rho
(the decay rate at tau = 0), k(tau) = exp(-e2 [ln(1 + rho (e^tau - 1)) - rho tau]) is log-concave
with k(0) = 1 and k'(0) = 0, and q = (1 - e^(-lambda tau)) / (1 - e^(-lambda tau_T)) maps
e^(-lambda tau) d tau onto a constant times dq on [0, 1]. What is left, k(tau(q)), is smooth
inside (0, 1) and may have an algebraic singularity at q = 1; the tanh-sinh rule integrates that
to ~1e-12 relative with 52 nodes (checked against mpmath's 2F1 closed form at 60 digits, in
tests/analytics/clv/test_pareto_quadrature.py). Everything is combined in logarithms, so nothing
overflows for hundreds of purchases or extreme parameters.

The derivatives of ln I are ratios of integrals of the integrand times d ln(integrand)/d theta,
-ln(alpha+u), -(r+x)/(alpha+u), -ln(beta+u), -(s+1)/(beta+u), taken on the same nodes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TANH_SINH_STEP = 1.0 / 8.0
TANH_SINH_LEVELS = 3.2
"""The rule's step and reach in its level variable: 52 nodes, the outermost 1e-16 from the ends."""


def _tanh_sinh_rule(step: float, reach: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes q in (0, 1), their distances 1 - q (kept exactly), and weights of the tanh-sinh rule."""
    level = np.arange(-reach, reach + step / 2, step)
    inner = np.pi / 2 * np.sinh(level)
    nodes = 1.0 / (1.0 + np.exp(-2.0 * inner))
    complements = 1.0 / (1.0 + np.exp(2.0 * inner))
    weights = step * np.pi / 2 * np.cosh(level) / np.cosh(inner) ** 2 / 2.0
    return nodes, complements, weights


UNIT_NODES, UNIT_COMPLEMENTS, UNIT_WEIGHTS = _tanh_sinh_rule(TANH_SINH_STEP, TANH_SINH_LEVELS)


@dataclass(frozen=True)
class DropoutIntegral:
    """ln I with I = integral from t_x to T of (alpha+u)^-(r+x) (beta+u)^-(s+1) du (per row; -inf
    when t_x = T), and the derivatives of ln I in (r, alpha, s, beta) (zero where I = 0)."""

    log_value: np.ndarray
    gradient: np.ndarray  # shape (4, rows)


ROWS_PER_BLOCK = 8192
"""Rows integrated at once: the nodes x rows arrays stay a few MB whatever the number of rows."""


def dropout_integral(r: float, alpha: float, s: float, beta: float, x: np.ndarray, t_x: np.ndarray,
                     age: np.ndarray, with_gradient: bool = True) -> DropoutIntegral:
    """I and (if asked) the gradient of ln I for each row (x, t_x, T), in blocks of rows."""
    x, t_x, age = np.broadcast_arrays(*(np.asarray(value, dtype=np.float64).ravel() for value in (x, t_x, age)))
    if x.size <= ROWS_PER_BLOCK:
        return _dropout_integral(r, alpha, s, beta, x, t_x, age, with_gradient)
    blocks = [_dropout_integral(r, alpha, s, beta, x[start:start + ROWS_PER_BLOCK], t_x[start:start + ROWS_PER_BLOCK],
                                age[start:start + ROWS_PER_BLOCK], with_gradient)
              for start in range(0, x.size, ROWS_PER_BLOCK)]
    return DropoutIntegral(np.concatenate([block.log_value for block in blocks]),
                           np.concatenate([block.gradient for block in blocks], axis=1))


def _dropout_integral(r: float, alpha: float, s: float, beta: float, x: np.ndarray, t_x: np.ndarray,
                      age: np.ndarray, with_gradient: bool) -> DropoutIntegral:
    m = r + x
    p = s + 1.0
    # Integrate in tau = ln((c+u)/(c+t_x)), c the smaller of alpha and beta: the other factor is then
    # (d+t_x)(1 + rho (e^tau - 1)) with rho = (c+t_x)/(d+t_x) <= 1, analytic in a strip around the
    # real line, and the integrand is e^(-lambda tau) k(tau) with k log-concave, k(0) = 1, k'(0) = 0.
    alpha_smaller = alpha <= beta
    c, d = (alpha, beta) if alpha_smaller else (beta, alpha)
    e1, e2 = (m, p) if alpha_smaller else (p, m)  # exponents of (c+u) and (d+u)
    rho = (c + t_x) / (d + t_x)
    tau_end = np.log(c + age) - np.log(c + t_x)
    rate = e1 - 1.0 + e2 * rho  # decay rate of the integrand at tau = 0
    # q = (1 - e^(-rate tau)) / (1 - e^(-rate tau_end)) maps e^(-rate tau) d tau onto width * dq.
    scaled = -rate * tau_end
    with np.errstate(divide="ignore", invalid="ignore"):
        small = np.abs(scaled) < 1e-10
        span = np.where(small, 1.0, -np.expm1(scaled))  # 1 - e^(-rate tau_end)
        width = np.where(small, tau_end, span / np.where(small, 1.0, rate))
        q, complement = UNIT_NODES[:, None], UNIT_COMPLEMENTS[:, None]
        # 1 - q span = (1 - q) + q e^(-rate tau_end), without cancellation near q = 1
        tau = np.where(small, q * tau_end, -np.log(complement + q * np.exp(scaled)) / np.where(small, 1.0, rate))
    growth = np.expm1(tau)  # (c+u)/(c+t_x) - 1
    log_other = np.log1p(rho * growth)  # ln((d+u)/(d+t_x))
    log_k = -e2 * (log_other - rho * tau)
    with np.errstate(under="ignore"):  # nodes where k is below 1e-308 of its peak add nothing
        k = np.exp(log_k)
    # ln I = ln[(c+t_x)^(1-e1) (d+t_x)^(-e2)] + ln width + ln sum_i w_i k(tau_i)
    log_scale = (1.0 - e1) * np.log(c + t_x) - e2 * np.log(d + t_x)
    contributions = UNIT_WEIGHTS[:, None] * k
    total = contributions.sum(axis=0)
    with np.errstate(divide="ignore"):
        log_value = np.where(tau_end > 0, log_scale + np.log(width) + np.log(total), -np.inf)
    if not with_gradient:
        return DropoutIntegral(log_value, np.zeros((4, x.size)))
    share = contributions / np.where(total > 0, total, 1.0)
    # ln(c+u) = ln(c+t_x) + tau and ln(d+u) = ln(d+t_x) + log_other, so only the shares' sums of
    # tau, log_other and the reciprocals are needed (shares sum to 1).
    mean_tau = (share * tau).sum(axis=0)
    mean_log_other = (share * log_other).sum(axis=0)
    mean_inverse_own = (share / (1.0 + growth)).sum(axis=0) / (c + t_x)
    mean_inverse_other = (share / (1.0 + rho * growth)).sum(axis=0) / (d + t_x)
    log_own, log_other_mean = np.log(c + t_x) + mean_tau, np.log(d + t_x) + mean_log_other
    log_alpha_u, log_beta_u = (log_own, log_other_mean) if alpha_smaller else (log_other_mean, log_own)
    inverse_alpha_u, inverse_beta_u = ((mean_inverse_own, mean_inverse_other) if alpha_smaller
                                       else (mean_inverse_other, mean_inverse_own))
    gradient = np.stack([-log_alpha_u, -m * inverse_alpha_u, -log_beta_u, -p * inverse_beta_u])
    gradient[:, ~(tau_end > 0)] = 0.0
    return DropoutIntegral(log_value, gradient)
