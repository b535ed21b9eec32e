"""The same pipeline in lifetimes 0.11.3, run in its own virtual environment (lifetimes does not
work with current pandas). Prints one JSON object with the step times and the estimates.

Run by run.py as: .venv-lifetimes/bin/python lifetimes_pipeline.py FILE OBSERVATION_END"""

import json
import sys
import time
import warnings

import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import summary_data_from_transaction_data

warnings.simplefilter("ignore")


def main() -> None:
    path, observation_end = sys.argv[1], sys.argv[2]
    times = {}
    started = step = time.perf_counter()
    transactions = pd.read_parquet(path)
    transactions["date"] = pd.to_datetime(transactions["date"])
    times["read"] = time.perf_counter() - step
    step = time.perf_counter()
    summary = summary_data_from_transaction_data(transactions, "customer_id", "date", monetary_value_col="amount",
                                                 observation_period_end=observation_end, freq="D")
    times["summary"] = time.perf_counter() - step
    step = time.perf_counter()
    purchases = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    times["bg_nbd_fit"] = time.perf_counter() - step
    step = time.perf_counter()
    repeat = summary[summary["frequency"] > 0]
    spend = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    times["gamma_gamma_fit"] = time.perf_counter() - step
    step = time.perf_counter()
    expected = purchases.conditional_expected_number_of_purchases_up_to_time(
        39 * 7, summary["frequency"], summary["recency"], summary["T"])
    alive = purchases.conditional_probability_alive(summary["frequency"], summary["recency"], summary["T"])
    times["predict"] = time.perf_counter() - step
    step = time.perf_counter()
    value = spend.customer_lifetime_value(purchases, summary["frequency"], summary["recency"], summary["T"],
                                          summary["monetary_value"], time=12, discount_rate=0.01, freq="D")
    times["clv"] = time.perf_counter() - step
    times["total"] = time.perf_counter() - started
    print(json.dumps({
        "times": times, "customers": int(len(summary)),
        "params": {name: float(value) for name, value in purchases.params_.items()},
        "spend_params": {name: float(value) for name, value in spend.params_.items()},
        "sums": {"expected_purchases_39_weeks": float(expected.sum()), "probability_alive": float(alive.sum()),
                 "clv_12_months": float(value.sum())},
    }))


if __name__ == "__main__":
    main()
