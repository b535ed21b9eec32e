"""Numerically careful pieces shared by the models."""

from __future__ import annotations

import numpy as np
from scipy.special import hyp2f1


def dot(first: np.ndarray, second: np.ndarray) -> float:
    """Sum of products without BLAS: a threaded BLAS call on a vector wakes worker threads that
    busy-wait and slow the element-wise work around it by an order of magnitude on a busy 2-core
    machine (measured: 25 ms against 3 ms per BG/NBD likelihood of 20,000 rows)."""
    return float(np.multiply(first, second).sum())


def power_ratio_minus_one_over(exponent: float, log_ratio: np.ndarray) -> np.ndarray:
    """(1 - exp(-exponent * log_ratio)) / exponent, with its limit log_ratio at exponent = 0."""
    if abs(exponent) < 1e-12:
        return np.asarray(log_ratio, dtype=np.float64)
    return -np.expm1(-exponent * log_ratio) / exponent


def alive_purchases_hypergeometric(r: float, alpha: float, a: float, b: float, frequency: np.ndarray,
                                   age: np.ndarray, horizon: float, b_shift: float) -> np.ndarray:
    """((alpha+T)/(alpha+T+t))^(r+x) * 2F1(r+x, b+x+b_shift; a+b+x+b_shift-1; t/(alpha+T+t)).

    The BG/NBD (b_shift = 0) and MBG/NBD (b_shift = 1) conditional expectations contain this
    product. Written as it stands, the hypergeometric function grows like (1-z)^(-(r+x)) and the
    power shrinks like (1-z)^(r+x), so both over- and underflow for customers with many
    purchases. Euler's transformation 2F1(p, q; c; z) = (1-z)^(c-p-q) 2F1(c-p, c-q; c; z) turns the
    product into (1-z)^(a-1) 2F1(a+b+b_shift-1-r, a-1; a+b+x+b_shift-1; z), whose parameters do
    not grow with x."""
    z = horizon / (alpha + age + horizon)
    c = a + b + frequency + b_shift - 1.0
    return np.exp((a - 1.0) * np.log1p(-z)) * hyp2f1(a + b + b_shift - 1.0 - r, a - 1.0, c, z)


def distinct_pairs(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (first, second) pairs and, for every row, the index of its pair. Predictions whose
    costly part depends only on (frequency, age) are computed once per pair."""
    _, second_index = np.unique(second, return_inverse=True)
    _, first_index = np.unique(first, return_inverse=True)
    key = first_index.astype(np.int64) * (int(second_index.max(initial=0)) + 1) + second_index
    _, representative, inverse = np.unique(key, return_index=True, return_inverse=True)
    return first[representative], second[representative], inverse.ravel()
