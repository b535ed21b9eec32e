"""What the analytics run stores: one row per run (model, fit, holdout check, metrics, cohorts,
RFM summary) and the latest per-customer results, which segments and flows filter on
("churn risk high", "predicted CLV above 5,000 kr")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, Float, ForeignKey, ForeignKeyConstraint, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lojal.db.base import Base, ShopScoped
from lojal.db.types import JSONType, UTCDateTime

RUN_STATUSES = ("complete", "insufficient_data", "model_failed")


class AnalyticsRun(ShopScoped, Base):
    """One computation of a shop's analytics. ``status`` is ``complete`` (model fitted),
    ``insufficient_data`` (the minimum-data rules refused a model: ``message`` says why; metrics,
    cohorts and RFM are still stored) or ``model_failed`` (the fit did not converge)."""

    __tablename__ = "analytics_runs"
    __table_args__ = (Index("ix_analytics_runs_shop_started", "shop_id", "started_at"),)

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    """The instant observed: orders placed before it count."""
    status: Mapped[str] = mapped_column(String(24))
    model: Mapped[str | None] = mapped_column(String(16))
    time_unit: Mapped[str] = mapped_column(String(8))
    params: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    """The purchase model's parameters and fit: {"params", "log_likelihood", "repeat_buyers", ...}."""
    spend_params: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    holdout: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    """The calibration/holdout check of each model compared, and which was chosen."""
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType)
    cohorts: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    rfm_summary: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    message: Mapped[str | None] = mapped_column(Text)
    customers: Mapped[int] = mapped_column(BigInteger)
    orders: Mapped[int] = mapped_column(BigInteger)
    seconds: Mapped[float] = mapped_column(Float)
    phases: Mapped[dict[str, float]] = mapped_column(JSONType)
    """Seconds per phase (reading orders, metrics, cohorts, RFM, model, writing)."""


class CustomerPrediction(Base):
    """A customer's latest analytics results: replaced by every run, removed when the customer no
    longer has an order. Model columns are empty when the last run could not fit a model."""

    __tablename__ = "customer_predictions"
    __table_args__ = (
        ForeignKeyConstraint(["shop_id", "customer_id"], ["customers.shop_id", "customers.id"]),
        Index("ix_customer_predictions_churn", "shop_id", "churn_risk_band", "churn_risk"),
        Index("ix_customer_predictions_clv", "shop_id", "predicted_clv"),
        Index("ix_customer_predictions_segment", "shop_id", "rfm_segment"),
    )

    shop_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    run_id: Mapped[int] = mapped_column(BigInteger)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expected_purchases: Mapped[float | None] = mapped_column(Float)
    """Expected orders over the run's horizon (12 months by default)."""
    probability_alive: Mapped[float | None] = mapped_column(Float)
    churn_risk: Mapped[float | None] = mapped_column(Float)
    churn_risk_band: Mapped[str | None] = mapped_column(String(8))
    predicted_clv: Mapped[int | None] = mapped_column(BigInteger)
    """Discounted net value of the expected orders over the horizon, minor units."""
    expected_order_value: Mapped[int | None] = mapped_column(BigInteger)
    next_order_date: Mapped[date | None] = mapped_column(Date)
    recency_score: Mapped[int] = mapped_column(SmallInteger)
    frequency_score: Mapped[int] = mapped_column(SmallInteger)
    monetary_score: Mapped[int] = mapped_column(SmallInteger)
    rfm_segment: Mapped[str] = mapped_column(String(32))
