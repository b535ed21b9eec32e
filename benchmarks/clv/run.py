"""benchmarks/clv: the whole CLV pipeline on simulated transactions, in Lojal and in lifetimes
0.11.3, in the same run on the same Parquet file.

Pipeline: read the transactions, per-customer summary (daily), BG/NBD fit, Gamma-Gamma fit,
expected purchases over 39 weeks, P(alive), 12-month CLV (monthly discount 1%). Prints both
times, the ratio, the estimates of both against each other and against the simulation's truth.

Targets (issue #5): Lojal <= 3 s for 1,000,000 customers / ~9M transactions on this 2-core
machine, >= 15x faster than lifetimes, the same estimates to 4 significant digits, recovered
parameters within 1% of the truth.

lifetimes needs an old pandas: on first run a virtual environment is made beside this file
(.venv-lifetimes, from PyPI: lifetimes 0.11.3, pandas 1.5.3, numpy 1.24.4, scipy 1.10.1).
Run: .venv/bin/python benchmarks/clv/run.py [--customers 1000000] [--skip-lifetimes]"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import SPEND_TRUTH, TRUTH, data_path, observation_end, simulate  # noqa: E402

from lojal.analytics.clv import PredictionSettings, fit_gamma_gamma, fit_purchase_model  # noqa: E402
from lojal.analytics.clv.predictions import discounted_expected_purchases, expected_purchases  # noqa: E402
from lojal.analytics.transactions import TransactionColumns, customer_summary, read_transactions  # noqa: E402

HERE = Path(__file__).resolve().parent
LIFETIMES_VENV = HERE / ".venv-lifetimes"
LIFETIMES_REQUIREMENTS = ["lifetimes==0.11.3", "pandas==1.5.3", "numpy==1.24.4", "scipy==1.10.1",
                          "pyarrow==14.0.2", "autograd==1.6.2"]


def through_lojal(path: Path) -> dict:
    times = {}
    started = step = time.perf_counter()
    transactions = read_transactions(path, TransactionColumns("customer_id", "date", "amount"))
    times["read"] = time.perf_counter() - step
    step = time.perf_counter()
    summary = customer_summary(transactions, observation_end=observation_end(), time_unit="day")
    frequency = summary["frequency"].to_numpy().astype(np.float64)
    recency, age = summary["recency"].to_numpy(), summary["T"].to_numpy()
    times["summary"] = time.perf_counter() - step
    step = time.perf_counter()
    purchases = fit_purchase_model("bg-nbd", frequency, recency, age)
    times["bg_nbd_fit"] = time.perf_counter() - step
    step = time.perf_counter()
    mean_spend = summary["monetary_value"].to_numpy()
    spend = fit_gamma_gamma(frequency, mean_spend)
    times["gamma_gamma_fit"] = time.perf_counter() - step
    step = time.perf_counter()
    expected = expected_purchases(purchases.model, 39 * 7, frequency, recency, age)
    alive = purchases.model.probability_alive(frequency, recency, age)
    times["predict"] = time.perf_counter() - step
    step = time.perf_counter()
    # lifetimes gives a customer without repeat purchases monetary value 0, not the population mean.
    spend_per_purchase = spend.model.expected_average_spend(frequency, np.nan_to_num(mean_spend, nan=0.0))
    value = spend_per_purchase * discounted_expected_purchases(purchases.model, frequency, recency, age,
                                                               PredictionSettings(12, 0.01, "day"))
    times["clv"] = time.perf_counter() - step
    times["total"] = time.perf_counter() - started
    return {"times": times, "customers": summary.height, "params": purchases.model.parameters(),
            "spend_params": spend.model.parameters(),
            "sums": {"expected_purchases_39_weeks": float(expected.sum()), "probability_alive": float(alive.sum()),
                     "clv_12_months": float(value.sum())}}


def lifetimes_python() -> Path:
    python = LIFETIMES_VENV / "bin" / "python"
    if not python.exists():
        print("making the lifetimes virtual environment (once)...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(LIFETIMES_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *LIFETIMES_REQUIREMENTS], check=True)
    return python


def through_lifetimes(path: Path) -> dict:
    completed = subprocess.run([str(lifetimes_python()), str(HERE / "lifetimes_pipeline.py"), str(path),
                                observation_end().isoformat()], check=True, capture_output=True, text=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def report(lojal: dict, lifetimes: dict | None) -> None:
    print(f"\n{lojal['customers']:,} customers")
    print(f"{'step':<18}{'Lojal s':>10}{'lifetimes s':>14}")
    for step, seconds in lojal["times"].items():
        other = f"{lifetimes['times'][step]:>14.3f}" if lifetimes else ""
        print(f"{step:<18}{seconds:>10.3f}{other}")
    if lifetimes:
        print(f"lifetimes / Lojal: {lifetimes['times']['total'] / lojal['times']['total']:.1f}x")
    spend_names = {"p": "p", "q": "q", "gamma": "v"}
    print(f"\n{'parameter':<10}{'truth':>10}{'Lojal':>14}{'vs truth':>10}{'lifetimes':>14}{'Lojal vs lifetimes':>20}")
    rows = [(name, TRUTH[name], lojal["params"][name], lifetimes["params"][name] if lifetimes else None)
            for name in TRUTH]
    rows += [(name, SPEND_TRUTH[name], lojal["spend_params"][name],
              lifetimes["spend_params"][spend_names[name]] if lifetimes else None) for name in SPEND_TRUTH]
    for name, truth, ours, theirs in rows:
        versus = f"{theirs:>14.6g}{(ours - theirs) / theirs:>20.2e}" if theirs is not None else ""
        print(f"{name:<10}{truth:>10.4g}{ours:>14.6g}{(ours - truth) / truth:>10.2%}{versus}")
    for name, ours in lojal["sums"].items():
        theirs = f"  lifetimes {lifetimes['sums'][name]:,.2f} ({(ours - lifetimes['sums'][name]) / lifetimes['sums'][name]:.2e})" if lifetimes else ""
        print(f"sum of {name}: Lojal {ours:,.2f}{theirs}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--skip-lifetimes", action="store_true")
    arguments = parser.parse_args()
    path = data_path(arguments.customers)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        simulate(arguments.customers).write_parquet(path, statistics=False)
    lifetimes = None if arguments.skip_lifetimes else through_lifetimes(path)
    report(through_lojal(path), lifetimes)


if __name__ == "__main__":
    main()
