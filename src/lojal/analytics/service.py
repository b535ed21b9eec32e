"""The analytics use cases in the product: a run over a shop's orders (metrics, retention series,
cohorts, RFM, the purchase and spend models with per-customer predictions, stored), and the reads
that the API, the admin pages, segments and flows use.

A run, for a shop at an instant ``now`` (wall-clock times in the shop's time zone):
- metrics of this month so far and of the previous calendar month, and the retention series of
  the last 24 months;
- monthly acquisition cohorts of the last 24 months;
- RFM scores and segments as of ``now``;
- the customer-lifetime-value models on purchase histories in weeks, where a purchase is a day
  with a net-positive order (fully refunded orders are not purchases; refunds are netted). When
  the history is long enough for a holdout (see ``holdout_days``), BG/NBD and Pareto/NBD are
  fitted on the calibration period and the lower customer-level holdout error chooses the model,
  which is then refitted on the whole history; otherwise BG/NBD. Gamma-Gamma for the spend,
  12-month CLV discounted 1% a month;
- when the minimum-data rules refuse a model, the run is stored with their message, with the
  metrics, cohorts and RFM, and the customers' rows hold RFM only.
A run requested through the API (``request_run``) is stored at once with status ``queued`` and
computed by the ``analytics.run`` job, which fills in that same row; reads of "the latest run"
skip queued runs.
The service flushes; the caller (request, job, command) commits."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy.orm import Session

from lojal.analytics import queries
from lojal.analytics.clv.history import InsufficientData, MinimumData
from lojal.analytics.clv.pipeline import ClvOptions, ClvResult, run_clv
from lojal.analytics.clv.validation import ModelChoice, choose_model, holdout_data
from lojal.analytics.cohorts import cohort_table
from lojal.analytics.metrics import period_metrics
from lojal.analytics.periods import add_months, month_start
from lojal.analytics.retention_series import retention_series
from lojal.analytics.rfm import rfm_scores, segment_summary
from lojal.analytics.transactions import calibration_and_holdout
from lojal.customers import service as customers
from lojal.errors import LojalError, NotFound, ValidationFailed
from lojal.models import AnalyticsRun, Customer, CustomerPrediction, Shop
from lojal.worker import enqueue

NO_RUN_YET = "no analytics run yet: POST /api/v1/analytics/runs or lojal analytics run"
DAYS_PER_WEEK = 7
MAX_HOLDOUT_DAYS = 26 * DAYS_PER_WEEK
MIN_HOLDOUT_DAYS = 8 * DAYS_PER_WEEK


@dataclass(frozen=True)
class RunOptions:
    horizon_months: float = 12.0
    monthly_discount_rate: float = 0.01
    series_months: int = 24
    active_window_days: int = 365
    candidates: tuple[str, ...] = ("bg-nbd", "mbg-nbd")
    """Compared on the holdout; a model whose fit does not converge is reported as refused and the
    others compete. Every fit is bounded now (analytic gradients, iteration limits, a subset fit
    first on large shops), Pareto/NBD included (``lojal analytics run --models``); it is not a
    default yet because where its optimum runs to infinity (no dropout heterogeneity) it takes
    tens of seconds to refuse on a large shop, and it changes the demo shop's chosen model."""
    minimum: MinimumData = field(default_factory=MinimumData)


@dataclass
class _Model:
    status: str = "complete"
    message: str | None = None
    result: ClvResult | None = None
    choice: ModelChoice | None = None
    holdout_days: int | None = None


Progress = Callable[[str], None]


class _Phases:
    """Seconds spent per phase, reported to ``progress`` as each starts."""

    def __init__(self, progress: Progress | None) -> None:
        self.seconds: dict[str, float] = {}
        self.progress = progress

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        if self.progress is not None:
            self.progress(name)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - started, 4)


def request_run(session: Session, shop: Shop, now: datetime, options: RunOptions = RunOptions()) -> AnalyticsRun:
    """Store a ``queued`` run and enqueue the job that computes it (in this transaction, so the
    job exists exactly when the run does); the job fills in the same row. Returns the queued run."""
    run = AnalyticsRun(shop_id=shop.id, started_at=now, finished_at=now, as_of=now, status=queries.QUEUED,
                       message=None, time_unit="week", metrics={}, cohorts=[], rfm_summary=[], customers=0, orders=0,
                       seconds=0.0, phases={}, model=None, params=None, spend_params=None, holdout=None)
    queries.add_run(session, run)
    enqueue(session, "analytics.run", {"shop_id": shop.id, "run_id": run.id, "horizon_months": options.horizon_months,
                                       "monthly_discount_rate": options.monthly_discount_rate}, shop_id=shop.id)
    return run


def run_for_shop(session: Session, shop: Shop, now: datetime, options: RunOptions = RunOptions(),
                 progress: Progress | None = None, run_id: int | None = None) -> AnalyticsRun:
    """Compute and store the shop's analytics as of ``now`` (aware); returns the stored run. With
    ``run_id`` (a queued run of this shop), that row is filled in instead of a new one added."""
    started = time.perf_counter()
    phases = _Phases(progress)
    local_now = now.astimezone(ZoneInfo(shop.timezone)).replace(tzinfo=None)
    queries.lock_shop_analytics(session, shop.id)
    with phases.phase("reading orders"):
        frame = queries.order_frame(session, shop, before=now)
    with phases.phase("metrics"):
        metrics = _metrics(frame, shop, local_now, options)
    with phases.phase("cohorts"):
        cohorts = _cohorts(frame, local_now, options)
    with phases.phase("rfm"):
        scores = rfm_scores(frame, local_now)
        rfm_summary = _json_rows(segment_summary(scores))
    with phases.phase("models"):
        model = _fit_models(frame, local_now.date(), options)
    columns: dict[str, Any] = dict(started_at=now, finished_at=now, as_of=now, status=model.status, message=model.message,
                                   time_unit="week", metrics=metrics, cohorts=cohorts, rfm_summary=rfm_summary,
                                   customers=scores.height, orders=frame.height, seconds=0.0, phases={},
                                   **_model_columns(model, options))
    queued = queries.run_by_id(session, shop.id, run_id) if run_id is not None else None
    with phases.phase("writing predictions"):
        if queued is not None:
            run = queued
            for name, value in columns.items():
                setattr(run, name, value)
            session.flush()
        else:
            run = queries.add_run(session, AnalyticsRun(shop_id=shop.id, **columns))
        rows = _prediction_rows(scores, model.result, shop.id, run.id, now)
        queries.replace_predictions(session, shop.id, run.id, rows)
    run.seconds = round(time.perf_counter() - started, 4)
    run.finished_at = now + timedelta(seconds=run.seconds)
    run.phases = dict(phases.seconds)
    session.flush()
    return run


def _metrics(frame: pl.DataFrame, shop: Shop, local_now: datetime, options: RunOptions) -> dict[str, Any]:
    this_month = month_start(local_now)
    next_month = add_months(this_month, 1)
    previous_month = add_months(this_month, -1)
    spend = (shop.settings or {}).get("marketing_spend")
    common: dict[str, Any] = {"active_window_days": options.active_window_days, "marketing_spend": spend}
    series = retention_series(frame, add_months(this_month, 1 - options.series_months), next_month,
                              active_window_days=options.active_window_days)
    return {
        "this_month": period_metrics(frame, this_month, next_month, **common).as_dict(),
        "previous_month": period_metrics(frame, previous_month, this_month, **common).as_dict(),
        "series": _json_rows(series),
    }


def _cohorts(frame: pl.DataFrame, local_now: datetime, options: RunOptions) -> list[dict[str, Any]]:
    start = add_months(month_start(local_now), 1 - options.series_months)
    return _json_rows(cohort_table(frame, every="month", start=start, end=local_now))


def holdout_days(first_purchase: date, as_of: date) -> int | None:
    """A third of the history, whole weeks, at most 26 weeks; None (no holdout check) when that is
    under 8 weeks."""
    days = min(MAX_HOLDOUT_DAYS, (as_of - first_purchase).days // 3 // DAYS_PER_WEEK * DAYS_PER_WEEK)
    return days if days >= MIN_HOLDOUT_DAYS else None


def purchases_of(frame: pl.DataFrame) -> pl.DataFrame:
    """The models' transactions: customer, local date and net amount of each net-positive order."""
    return frame.select(
        "customer_id", date=pl.col("placed_at").dt.date(), amount=(pl.col("amount") - pl.col("refunded")).cast(pl.Float64),
    ).filter(pl.col("amount") > 0)


def _fit_models(frame: pl.DataFrame, as_of: date, options: RunOptions) -> _Model:
    transactions = purchases_of(frame)
    model = _Model()
    try:
        chosen = options.candidates[0]
        first = transactions["date"].min()
        model.holdout_days = holdout_days(first, as_of) if first is not None else None
        if model.holdout_days is not None and len(options.candidates) > 1:
            model.choice = _choose(transactions, as_of, model.holdout_days, options)
            chosen = model.choice.chosen.model.name if model.choice else chosen
        model.result = run_clv(transactions, ClvOptions(
            model=chosen, time_unit="week", observation_end=as_of, horizon_months=options.horizon_months,
            monthly_discount_rate=options.monthly_discount_rate, minimum=options.minimum))
    except InsufficientData as error:
        model.status, model.message, model.result = "insufficient_data", error.message, None
    except LojalError as error:
        model.status, model.message, model.result = "model_failed", error.message, None
    return model


def _choose(transactions: pl.DataFrame, as_of: date, days: int, options: RunOptions) -> ModelChoice | None:
    """The holdout check; None when the calibration period is too thin for it (the full history
    may still support a model)."""
    summary = calibration_and_holdout(transactions, calibration_end=as_of - timedelta(days=days),
                                      observation_end=as_of, time_unit="week")
    if summary.height == 0:
        return None
    data = holdout_data(summary["frequency"].to_numpy(), summary["recency"].to_numpy(), summary["T"].to_numpy(),
                        summary["frequency_holdout"].to_numpy(), days / DAYS_PER_WEEK)
    try:
        return choose_model(data, options.candidates, minimum=options.minimum, days_per_unit=DAYS_PER_WEEK)
    except InsufficientData:
        return None


def _model_columns(model: _Model, options: RunOptions) -> dict[str, Any]:
    result = model.result
    holdout: dict[str, Any] | None = None
    if model.choice is not None:
        holdout = {"holdout_days": model.holdout_days, "chosen": model.choice.chosen.model.name,
                   "compared": [report.as_dict() for report in model.choice.reports],
                   "refused": model.choice.refused}
    if result is None:
        return {"model": None, "params": None, "spend_params": None, "holdout": holdout}
    fit = result.fit
    params = {"params": fit.model.parameters(), "log_likelihood": fit.log_likelihood, "customers": fit.customers,
              "repeat_buyers": fit.repeat_buyers, "as_of": result.as_of.isoformat(),
              "horizon_months": options.horizon_months, "monthly_discount_rate": options.monthly_discount_rate}
    spend = None
    if result.spend_fit is not None:
        spend = {"model": result.spend_fit.model.name, "params": result.spend_fit.model.parameters(),
                 "log_likelihood": result.spend_fit.log_likelihood, "repeat_buyers": result.spend_fit.repeat_buyers,
                 "frequency_spend_correlation": result.spend_fit.frequency_spend_correlation}
    return {"model": fit.model.name, "params": params, "spend_params": spend, "holdout": holdout}


def _prediction_rows(scores: pl.DataFrame, result: ClvResult | None, shop_id: int, run_id: int,
                     now: datetime) -> pl.DataFrame:
    rows = scores.select(
        "customer_id", pl.col("recency_score").cast(pl.Int16), pl.col("frequency_score").cast(pl.Int16),
        pl.col("monetary_score").cast(pl.Int16), rfm_segment=pl.col("segment"))
    if result is not None:
        model_columns = result.predictions.select(
            "customer_id", "expected_purchases", "probability_alive", "churn_risk", "churn_risk_band",
            predicted_clv=pl.col("predicted_clv").round(0).cast(pl.Int64),
            expected_order_value=pl.col("expected_spend").round(0).cast(pl.Int64),
            next_order_date=pl.col("next_order_date"))
        rows = rows.join(model_columns, on="customer_id", how="left")
    else:
        rows = rows.with_columns(
            expected_purchases=pl.lit(None, pl.Float64), probability_alive=pl.lit(None, pl.Float64),
            churn_risk=pl.lit(None, pl.Float64), churn_risk_band=pl.lit(None, pl.String),
            predicted_clv=pl.lit(None, pl.Int64), expected_order_value=pl.lit(None, pl.Int64),
            next_order_date=pl.lit(None, pl.Date))
    return rows.with_columns(shop_id=pl.lit(shop_id, pl.Int64), run_id=pl.lit(run_id, pl.Int64),
                             computed_at=pl.lit(now).dt.convert_time_zone("UTC"))


def _json_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain JSON values: dates and times as ISO 8601 text, NaN as null."""
    converted = frame.with_columns(
        [pl.col(name).dt.to_string() for name, dtype in frame.schema.items() if dtype.is_temporal()]
        + [pl.col(name).fill_nan(None) for name, dtype in frame.schema.items() if dtype.is_float()])
    return converted.to_dicts()


# --- reads -------------------------------------------------------------------------------------

def latest_run(session: Session, shop: Shop) -> AnalyticsRun:
    run = queries.latest_run(session, shop.id)
    if run is None:
        raise NotFound(NO_RUN_YET)
    return run


def customer_prediction(session: Session, shop: Shop, reference: str) -> tuple[Customer, CustomerPrediction]:
    """A customer's latest results, by external id or ``id:<n>``."""
    customer = customers.find(session, shop, reference)
    found = queries.prediction(session, shop.id, customer.id)
    if found is None:
        if queries.latest_run(session, shop.id) is None:
            raise NotFound(NO_RUN_YET)
        raise NotFound("no predictions for this customer: they had no order when the analytics last ran",
                       field="customer")
    return customer, found


def run_of_shop(session: Session, shop: Shop, run_id: int) -> AnalyticsRun:
    """One of the shop's runs, queued or finished (what a client polls after requesting one)."""
    run = queries.run_by_id(session, shop.id, run_id)
    if run is None:
        raise NotFound("no such analytics run", field="run_id")
    return run


def run_view(session: Session, run: AnalyticsRun) -> dict[str, Any]:
    """The run's columns and how many customers fall in each churn-risk band (empty while the
    run is queued; the stored rows then still belong to the previous run)."""
    columns = {column.key: getattr(run, column.key) for column in AnalyticsRun.__table__.columns}
    bands = {} if run.status == queries.QUEUED else queries.prediction_counts(session, run.shop_id)
    return columns | {"churn_risk_bands": bands}


def prediction_view(customer: Customer, prediction: CustomerPrediction) -> dict[str, Any]:
    columns = {column.key: getattr(prediction, column.key) for column in CustomerPrediction.__table__.columns}
    return columns | {"customer_external_id": customer.external_id}


def top_customers(session: Session, shop: Shop, limit: int = 50,
                  minimum_clv: int | None = None) -> list[tuple[CustomerPrediction, Customer]]:
    """The most valuable customers by predicted CLV (above ``minimum_clv`` minor units if given)."""
    return queries.top_by_predicted_clv(session, shop.id, limit, minimum_clv)


def customers_at_risk(session: Session, shop: Shop, limit: int = 50,
                      band: str = "high") -> list[tuple[CustomerPrediction, Customer]]:
    """Customers whose churn risk is in ``band``, the most valuable first."""
    return queries.at_risk(session, shop.id, limit, band)



# --- live reads over the orders (parametrised; the run stores the defaults) --------------------

@dataclass(frozen=True)
class Subset:
    """Which customers: the whole shop, a B2B group or a club tier."""

    customer_group: str | None = None
    tier_id: int | None = None

    def customer_ids(self, session: Session, shop: Shop) -> list[int] | None:
        if self.customer_group is not None and self.tier_id is not None:
            raise ValidationFailed("filter by customer_group or by tier_id, not both", field="tier_id")
        if self.customer_group is not None:
            return queries.customer_ids_in_group(session, shop.id, self.customer_group)
        if self.tier_id is not None:
            return queries.customer_ids_in_tier(session, shop.id, self.tier_id)
        return None


def local_time(shop: Shop, now: datetime) -> datetime:
    """``now`` as naive wall-clock time in the shop's time zone (how the order frame reads)."""
    return now.astimezone(ZoneInfo(shop.timezone)).replace(tzinfo=None)


def metrics_for(session: Session, shop: Shop, now: datetime, *, start: datetime | None = None,
                end: datetime | None = None, subset: Subset = Subset(), active_window_days: int = 365) -> dict[str, Any]:
    """The metrics of [start, end) (wall-clock in the shop's time zone; default: the last full
    calendar month), for all customers or a subset."""
    if start is None and end is None:
        end = month_start(local_time(shop, now))
        start = add_months(end, -1)
    elif start is None or end is None:
        raise ValidationFailed("give both start and end, or neither (the last full month)",
                               field="start" if start is None else "end")
    if end <= start:
        raise ValidationFailed("end must be after start", field="end")
    if active_window_days < 1:
        raise ValidationFailed("active_window_days must be at least 1", field="active_window_days")
    frame = queries.order_frame(session, shop, before=now)
    spend = (shop.settings or {}).get("marketing_spend")
    metrics = period_metrics(frame, start, end, active_window_days=active_window_days,
                             customer_ids=subset.customer_ids(session, shop), marketing_spend=spend)
    return metrics.as_dict()


def cohorts_for(session: Session, shop: Shop, now: datetime, *, every: str = "month", periods: int = 24,
                subset: Subset = Subset()) -> list[dict[str, Any]]:
    """Acquisition cohorts of the last ``periods`` months (or weeks) up to ``now``."""
    if every not in ("month", "week"):
        raise ValidationFailed("every must be month or week", field="every")
    if not 1 <= periods <= 240:
        raise ValidationFailed("periods must be between 1 and 240", field="periods")
    local_now = local_time(shop, now)
    if every == "month":
        start = add_months(month_start(local_now), 1 - periods)
    else:
        monday = datetime(local_now.year, local_now.month, local_now.day) - timedelta(days=local_now.weekday())
        start = monday - timedelta(weeks=periods - 1)
    frame = queries.order_frame(session, shop, before=now)
    table = cohort_table(frame, every=every, start=start, end=local_now,  # type: ignore[arg-type]
                         customer_ids=subset.customer_ids(session, shop))
    return _json_rows(table)


def rfm_for(session: Session, shop: Shop, now: datetime, *, subset: Subset = Subset()) -> dict[str, Any]:
    """RFM as of ``now``: the segments and the R x FM grid of customer counts."""
    frame = queries.order_frame(session, shop, before=now)
    scores = rfm_scores(frame, local_time(shop, now), customer_ids=subset.customer_ids(session, shop))
    grid = (scores.group_by("recency_score", "frequency_monetary_score").agg(customers=pl.len())
            .sort("recency_score", "frequency_monetary_score", descending=[True, False]))
    return {"as_of": now.isoformat(), "customers": scores.height, "segments": _json_rows(segment_summary(scores)),
            "grid": _json_rows(grid.cast({"recency_score": pl.Int64, "frequency_monetary_score": pl.Int64,
                                          "customers": pl.Int64}))}
