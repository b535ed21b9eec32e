"""The analytics API: metrics, cohorts and RFM computed from the shop's orders on request; the
latest run (model, parameters, holdout check); a customer's predictions; a run requested now
(queued for the worker, answered 202 with the run to poll)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Response

from lojal.analytics import service
from lojal.analytics.schemas import (
    QUEUED_RUN_EXAMPLE,
    RUN_EXAMPLE,
    RUN_IN_EXAMPLE,
    CohortsOut,
    MetricsOut,
    PredictionOut,
    RfmOut,
    RunIn,
    RunOut,
)
from lojal.api.deps import Admin, Read, SessionDependency
from lojal.kit.clock import utcnow

router = APIRouter(prefix="/api/v1", tags=["analytics"])
CustomerPath = Annotated[str, Path(description="The shop's external id, or id:<n> for Lojal's id", examples=["c-981"])]
CustomerGroup = Annotated[str | None, Query(description="Only customers of this B2B group", max_length=100)]
TierId = Annotated[int | None, Query(description="Only members of this club tier")]


def _midnight(day: date | None) -> datetime | None:
    return None if day is None else datetime(day.year, day.month, day.day)


@router.get("/analytics/metrics", response_model=MetricsOut, summary="Retention metrics of a period")
def get_metrics(principal: Read, session: SessionDependency,
                start: Annotated[date | None, Query(description="First day (default: the last full month)")] = None,
                end: Annotated[date | None, Query(description="Day after the last day")] = None,
                customer_group: CustomerGroup = None, tier_id: TierId = None,
                active_window_days: Annotated[int, Query(ge=1, le=3650)] = 365) -> Any:
    """Days are in the shop's time zone; ``end`` is excluded. The previous period (for the
    period-over-period retention) is the same number of calendar months before, or the same
    length before."""
    return service.metrics_for(session, principal.shop, utcnow(), start=_midnight(start), end=_midnight(end),
                               subset=service.Subset(customer_group, tier_id), active_window_days=active_window_days)


@router.get("/analytics/cohorts", response_model=CohortsOut, summary="Acquisition cohorts and their retention")
def get_cohorts(principal: Read, session: SessionDependency,
                every: Annotated[Literal["month", "week"], Query()] = "month",
                periods: Annotated[int, Query(ge=1, le=240, description="How many recent cohorts")] = 24,
                customer_group: CustomerGroup = None, tier_id: TierId = None) -> Any:
    cohorts = service.cohorts_for(session, principal.shop, utcnow(), every=every, periods=periods,
                                  subset=service.Subset(customer_group, tier_id))
    return {"every": every, "cohorts": cohorts}


@router.get("/analytics/rfm", response_model=RfmOut, summary="RFM segments as of now")
def get_rfm(principal: Read, session: SessionDependency, customer_group: CustomerGroup = None,
            tier_id: TierId = None) -> Any:
    return service.rfm_for(session, principal.shop, utcnow(), subset=service.Subset(customer_group, tier_id))


@router.get("/analytics/runs/latest", response_model=RunOut, summary="The latest analytics run")
def get_latest_run(principal: Read, session: SessionDependency) -> Any:
    return service.run_view(session, service.latest_run(session, principal.shop))


@router.get("/analytics/runs/{run_id}", response_model=RunOut, summary="One analytics run (poll a requested run)")
def get_run(run_id: Annotated[int, Path(description="The id answered by POST /api/v1/analytics/runs", examples=[7])],
            principal: Read, session: SessionDependency) -> Any:
    """``status`` is ``queued`` until the worker has computed the run, then complete,
    insufficient_data or model_failed, with everything filled in."""
    return service.run_view(session, service.run_of_shop(session, principal.shop, run_id))


@router.post("/analytics/runs", response_model=RunOut, status_code=202, summary="Request an analytics run",
             responses={202: {"description": "Queued: poll the Location (GET /api/v1/analytics/runs/{id}) until "
                                             "its status is no longer queued",
                              "content": {"application/json": {"examples": {
                                  "queued": {"summary": "Just requested", "value": QUEUED_RUN_EXAMPLE},
                                  "complete": {"summary": "What the poll answers when done", "value": RUN_EXAMPLE},
                              }}}}})
def post_run(principal: Admin, session: SessionDependency, response: Response,
             data: Annotated[RunIn, Body(examples=[RUN_IN_EXAMPLE])] = RunIn()) -> Any:
    """Queues a run of metrics, cohorts, RFM and the models for the shop (the nightly job's work)
    and answers at once with the queued run (202); the worker computes it and stores the
    per-customer results. Poll ``GET /api/v1/analytics/runs/{id}`` (also in ``Location``)."""
    options = service.RunOptions(horizon_months=data.horizon_months, monthly_discount_rate=data.monthly_discount_rate)
    run = service.request_run(session, principal.shop, utcnow(), options)
    view = service.run_view(session, run)
    session.commit()
    response.headers["Location"] = f"/api/v1/analytics/runs/{run.id}"
    return view


@router.get("/customers/{customer}/predictions", response_model=PredictionOut,
            summary="A customer's churn risk, predicted CLV and RFM")
def get_customer_predictions(customer: CustomerPath, principal: Read, session: SessionDependency) -> Any:
    found, prediction = service.customer_prediction(session, principal.shop, customer)
    return service.prediction_view(found, prediction)

