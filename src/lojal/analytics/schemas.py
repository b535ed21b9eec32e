"""What the analytics API gives (and the one body it takes). Definitions of every metric are in
``lojal.analytics.metrics.PeriodMetrics`` and docs/analytics.md."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

METRICS_EXAMPLE: dict[str, Any] = {
    "period_start": "2026-10-01T00:00:00", "period_end": "2026-11-01T00:00:00",
    "previous_start": "2026-09-01T00:00:00", "previous_end": "2026-10-01T00:00:00", "active_window_days": 365,
    "customers": 412, "new_customers": 180, "returning_customers": 232, "orders": 468, "repeat_customers": 41,
    "repeat_purchase_rate": 0.0995, "purchase_frequency": 1.136, "previous_customers": 398,
    "retained_customers": 77, "retention_rate_period_over_period": 0.1935, "active_at_start": 2890,
    "active_at_end": 2911, "reactivated_customers": 12, "retention_rate": 0.3855, "churn_rate": 0.6145,
    "revenue": 43210000, "refunds": 1300000, "net_revenue": 41910000, "average_order_value": 92329.1,
    "revenue_per_customer": 101723.3, "return_rate": 0.0301, "orders_with_refund_share": 0.034,
    "mean_days_between_purchases": 96.4, "median_days_between_purchases": 61.0, "customers_to_date": 4650,
    "historical_clv": 187345.2, "historical_clv_margin": None, "marketing_spend": None,
    "customer_acquisition_cost": None, "clv_to_cac_ratio": None, "clv_margin_to_cac_ratio": None,
}


class MetricsOut(BaseModel):
    """The metrics of one period for the shop or a subset of its customers. Instants are wall-clock
    times in the shop's time zone; money is minor units; rates with a zero denominator are null."""

    model_config = ConfigDict(json_schema_extra={"examples": [METRICS_EXAMPLE]})

    period_start: datetime
    period_end: datetime
    previous_start: datetime
    previous_end: datetime
    active_window_days: int
    customers: int
    new_customers: int
    returning_customers: int
    orders: int
    repeat_customers: int
    repeat_purchase_rate: float | None
    purchase_frequency: float | None
    previous_customers: int
    retained_customers: int
    retention_rate_period_over_period: float | None
    active_at_start: int
    active_at_end: int
    reactivated_customers: int
    retention_rate: float | None = Field(description="Classic CRR = (E - N) / S")
    churn_rate: float | None
    revenue: int | None
    refunds: int | None
    net_revenue: int | None
    average_order_value: float | None
    revenue_per_customer: float | None
    return_rate: float | None
    orders_with_refund_share: float | None
    mean_days_between_purchases: float | None
    median_days_between_purchases: float | None
    customers_to_date: int
    historical_clv: float | None
    historical_clv_margin: float | None
    marketing_spend: float | None
    customer_acquisition_cost: float | None
    clv_to_cac_ratio: float | None
    clv_margin_to_cac_ratio: float | None


class CohortCell(BaseModel):
    cohort: date
    cohort_customers: int
    period_number: int
    active_customers: int
    retention: float
    orders: int
    net_revenue: int | None
    cumulative_net_revenue_per_customer: float | None


class CohortsOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"every": "month", "cohorts": [
        {"cohort": "2026-09-01", "cohort_customers": 180, "period_number": 0, "active_customers": 180,
         "retention": 1.0, "orders": 191, "net_revenue": 17120000, "cumulative_net_revenue_per_customer": 95111.1},
        {"cohort": "2026-09-01", "cohort_customers": 180, "period_number": 1, "active_customers": 23,
         "retention": 0.1278, "orders": 24, "net_revenue": 2050000, "cumulative_net_revenue_per_customer": 106500.0},
    ]}]})

    every: str
    cohorts: list[CohortCell] = Field(description="The long triangle: one row per cohort and period since it")


class SegmentOut(BaseModel):
    segment: str
    label: str
    customers: int
    customer_share: float | None
    monetary: int
    monetary_share: float | None


class GridCell(BaseModel):
    recency_score: int
    frequency_monetary_score: int
    customers: int


class RfmOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "as_of": "2026-11-23T09:00:00+00:00", "customers": 4650,
        "segments": [{"segment": "champions", "label": "Champions", "customers": 512, "customer_share": 0.110,
                      "monetary": 140230000, "monetary_share": 0.161}],
        "grid": [{"recency_score": 5, "frequency_monetary_score": 5, "customers": 301}]}]})

    as_of: datetime
    customers: int
    segments: list[SegmentOut]
    grid: list[GridCell] = Field(description="Customers per (R, FM) cell of the segment grid")


class HoldoutGroupOut(BaseModel):
    calibration_frequency: str
    customers: int
    actual_mean: float
    predicted_mean: float


class HoldoutReportOut(BaseModel):
    model: str
    groups: list[HoldoutGroupOut]
    actual_total: float
    predicted_total: float
    mean_absolute_error: float


class HoldoutOut(BaseModel):
    holdout_days: int
    chosen: str
    compared: list[HoldoutReportOut]
    refused: dict[str, str]


RUN_EXAMPLE: dict[str, Any] = {
    "id": 7, "status": "complete", "message": None, "started_at": "2026-11-23T02:00:00Z",
    "finished_at": "2026-11-23T02:00:03.2Z", "as_of": "2026-11-23T02:00:00Z", "seconds": 3.2,
    "phases": {"reading orders": 0.4, "metrics": 0.3, "cohorts": 0.1, "rfm": 0.2, "models": 1.9,
               "writing predictions": 0.3},
    "customers": 4650, "orders": 9870, "model": "pareto-nbd", "time_unit": "week",
    "params": {"params": {"r": 0.61, "alpha": 11.2, "s": 0.74, "beta": 19.4}, "log_likelihood": -21034.5,
               "customers": 4650, "repeat_buyers": 1480, "as_of": "2026-11-23", "horizon_months": 12.0,
               "monthly_discount_rate": 0.01},
    "spend_params": {"model": "gamma-gamma", "params": {"p": 5.1, "q": 3.9, "gamma": 52000.0},
                     "log_likelihood": -15800.2, "repeat_buyers": 1480, "frequency_spend_correlation": 0.04},
    "holdout": {"holdout_days": 182, "chosen": "pareto-nbd", "compared": [], "refused": {}},
    "churn_risk_bands": {"low": 2300, "medium": 1100, "high": 1250},
}


QUEUED_RUN_EXAMPLE: dict[str, Any] = {
    "id": 8, "status": "queued", "message": None, "started_at": "2026-11-23T14:05:00Z",
    "finished_at": "2026-11-23T14:05:00Z", "as_of": "2026-11-23T14:05:00Z", "seconds": 0.0, "phases": {},
    "customers": 0, "orders": 0, "model": None, "time_unit": "week", "params": None, "spend_params": None,
    "holdout": None, "churn_risk_bands": {},
}


class RunOut(BaseModel):
    """One analytics run: the model chosen and its parameters (time unit: weeks), the spend model,
    the holdout check, and the timing. ``status`` is queued (requested through the API, not yet
    computed by the worker: the other fields are empty), complete, insufficient_data (``message``
    says what is missing; metrics, cohorts and RFM are still there) or model_failed."""

    model_config = ConfigDict(json_schema_extra={"examples": [RUN_EXAMPLE]})

    id: int
    status: str
    message: str | None
    started_at: datetime
    finished_at: datetime
    as_of: datetime
    seconds: float
    phases: dict[str, float]
    customers: int
    orders: int
    model: str | None
    time_unit: str
    params: dict[str, Any] | None
    spend_params: dict[str, Any] | None
    holdout: HoldoutOut | None
    churn_risk_bands: dict[str, int] = Field(description="Customers per churn-risk band (none: no model)")


RUN_IN_EXAMPLE: dict[str, Any] = {"horizon_months": 12, "monthly_discount_rate": 0.01}


class RunIn(BaseModel):
    """Options of a run started by hand; the defaults are the nightly job's."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [RUN_IN_EXAMPLE]})

    horizon_months: float = Field(default=12.0, gt=0, le=120)
    monthly_discount_rate: float = Field(default=0.01, ge=0, le=1)


class PredictionOut(BaseModel):
    """A customer's latest results. The model fields are null when the last run fitted no model."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "customer_id": 981, "customer_external_id": "c-981", "run_id": 7, "computed_at": "2026-11-23T02:00:00Z",
        "expected_purchases": 1.84, "probability_alive": 0.81, "churn_risk": 0.19, "churn_risk_band": "low",
        "predicted_clv": 168400, "expected_order_value": 95400, "next_order_date": "2027-01-12",
        "recency_score": 5, "frequency_score": 4, "monetary_score": 5, "rfm_segment": "champions"}]})

    customer_id: int
    customer_external_id: str | None
    run_id: int
    computed_at: datetime
    expected_purchases: float | None = Field(description="Expected orders over the run's horizon")
    probability_alive: float | None
    churn_risk: float | None = Field(description="1 - probability_alive")
    churn_risk_band: str | None = Field(description="low (< 0.25), medium (< 0.5) or high")
    predicted_clv: int | None = Field(description="Discounted net value over the horizon, minor units")
    expected_order_value: int | None
    next_order_date: date | None = Field(description="Median date of the next order if still a customer")
    recency_score: int
    frequency_score: int
    monetary_score: int
    rfm_segment: str
