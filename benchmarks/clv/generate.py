"""Simulated transactions from a BG/NBD + Gamma-Gamma process with known parameters (seeded,
vectorised NumPy), written to Parquet: customer_id (int64), date (date), amount (float64).

Customers make their first purchase on a uniformly drawn day of the first year (at a uniform time
of that day) and are observed to the end of day 730. While alive they buy at Poisson rate
lambda ~ Gamma(r, alpha) per day, and drop out after each repeat purchase with probability
p ~ Beta(a, b). Every transaction's amount is Gamma(p_spend, nu) with nu ~ Gamma(q, gamma).
With the defaults a customer makes 9.1 purchases on average: 1,000,000 customers give ~9.1M rows.

Run: .venv/bin/python benchmarks/clv/generate.py [--customers 1000000] [--output PATH]"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

TRUTH = {"r": 2.0, "alpha": 80.0, "a": 2.0, "b": 25.0}
SPEND_TRUTH = {"p": 6.0, "q": 4.0, "gamma": 15.0}
START = date(2023, 1, 1)
OBSERVATION_DAYS = 730
ACQUISITION_DAYS = 365
DATA = Path(__file__).resolve().parent / ".data"


def data_path(customers: int) -> Path:
    return DATA / f"transactions_{customers}.parquet"


def simulate(customers: int, seed: int = 2024) -> pl.DataFrame:
    generator = np.random.default_rng(seed)
    first_time = generator.integers(0, ACQUISITION_DAYS, customers) + generator.random(customers)
    window = OBSERVATION_DAYS + 1.0 - first_time  # to the end of the last observed day
    rate = generator.gamma(TRUTH["r"], 1.0 / TRUTH["alpha"], customers)
    dropout = generator.beta(TRUTH["a"], TRUTH["b"], customers)
    purchases_while_alive = generator.poisson(rate * window)
    frequency = np.minimum(purchases_while_alive, generator.geometric(dropout))
    repeat = frequency > 0
    last = np.zeros(customers)
    last[repeat] = window[repeat] * generator.beta(frequency[repeat],
                                                   purchases_while_alive[repeat] - frequency[repeat] + 1)
    # The first purchase, the last repeat purchase, and x - 1 uniform times before the last.
    owner = np.concatenate([np.arange(customers), np.flatnonzero(repeat),
                            np.repeat(np.arange(customers), np.maximum(frequency - 1, 0))])
    offset = np.concatenate([np.zeros(customers), last[repeat],
                             generator.random(int(np.maximum(frequency - 1, 0).sum())) *
                             np.repeat(last, np.maximum(frequency - 1, 0))])
    day = np.floor(first_time[owner] + offset).astype(np.int32)
    spend_scale = generator.gamma(SPEND_TRUTH["q"], 1.0 / SPEND_TRUTH["gamma"], customers)
    amount = np.round(generator.gamma(SPEND_TRUTH["p"], 1.0 / spend_scale[owner]), 2)
    frame = pl.DataFrame({"customer_id": owner.astype(np.int64), "day": day, "amount": amount})
    return (frame.sort("day").select("customer_id", (pl.lit(START) + pl.duration(days="day")).alias("date"),
                                     pl.col("amount").clip(0.01)))


def observation_end() -> date:
    return date.fromordinal(START.toordinal() + OBSERVATION_DAYS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--output", type=Path, default=None)
    arguments = parser.parse_args()
    path = arguments.output or data_path(arguments.customers)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = simulate(arguments.customers)
    frame.write_parquet(path, statistics=False)
    print(f"{frame.height:,} transactions of {arguments.customers:,} customers -> {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
