"""The analytics API on the small hand-built shop: exact answers, clear 404s, scopes, tenant
isolation, and the nightly job."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lojal.analytics.service import NO_RUN_YET
from lojal.analytics.tasks import run_analytics
from lojal.models import AnalyticsRun, CustomerPrediction, Job
from lojal.worker import JobContext, Worker, default_registry
from lojal.worker.registry import Registry
from tests.analytics.test_product_run import frozen, small_shop  # noqa: F401
from tests.fixtures.api import ShopWithKeys, auth
from tests.integrations.helpers import run_jobs


def analytics_worker(session_factory: sessionmaker[Session]) -> Worker:
    """A worker for the analytics job only (no periodic schedules: the nightly run would add runs)."""
    return Worker(session_factory, registry=Registry(tasks={"analytics.run": default_registry.tasks["analytics.run"]}))


def requested_and_run(client: TestClient, session_factory: sessionmaker[Session], key: str,
                      body: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST a run (202, queued), let the worker compute it, and poll it back."""
    posted = client.post("/api/v1/analytics/runs", json=body or {}, headers=auth(key))
    assert posted.status_code == 202, posted.text
    queued = posted.json()
    assert queued["status"] == "queued" and queued["churn_risk_bands"] == {}
    assert posted.headers["location"] == f"/api/v1/analytics/runs/{queued['id']}"
    run_jobs(analytics_worker(session_factory))
    polled = client.get(posted.headers["location"], headers=auth(key))
    assert polled.status_code == 200 and polled.json()["id"] == queued["id"]
    return polled.json()


def test_before_any_run_the_reads_say_how_to_start_one(client: TestClient, small_shop: ShopWithKeys) -> None:
    for path in ("/api/v1/analytics/runs/latest", "/api/v1/customers/c-a/predictions"):
        response = client.get(path, headers=auth(small_shop.read_key))
        assert response.status_code == 404
        assert response.json()["error"]["message"] == NO_RUN_YET


def test_post_run_queues_it_and_the_worker_computes_it(client: TestClient, small_shop: ShopWithKeys,
                                                       session_factory: sessionmaker[Session], db: Session) -> None:
    assert client.post("/api/v1/analytics/runs", headers=auth(small_shop.read_key)).status_code == 403
    analytics_jobs = select(func.count()).select_from(Job).where(Job.task == "analytics.run")
    assert db.scalar(analytics_jobs) == 0  # refused: nothing queued
    posted = client.post("/api/v1/analytics/runs", json={"horizon_months": 6}, headers=auth(small_shop.admin_key))
    assert posted.status_code == 202, posted.text
    queued = posted.json()
    assert (queued["status"], queued["customers"], queued["churn_risk_bands"]) == ("queued", 0, {})
    job = db.scalars(select(Job).where(Job.task == "analytics.run")).one()
    assert job.shop_id == small_shop.shop.id and job.payload == {
        "shop_id": small_shop.shop.id, "run_id": queued["id"], "horizon_months": 6.0, "monthly_discount_rate": 0.01}
    # Before the worker has run, the latest run is still "none yet", and the poll says queued.
    assert client.get("/api/v1/analytics/runs/latest", headers=auth(small_shop.read_key)).status_code == 404
    assert client.get(posted.headers["location"], headers=auth(small_shop.read_key)).json() == queued
    run_jobs(analytics_worker(session_factory))
    run = client.get(posted.headers["location"], headers=auth(small_shop.read_key)).json()
    assert run["id"] == queued["id"] and run["params"] is None
    assert run["status"] == "insufficient_data" and run["churn_risk_bands"] == {"none": 3}
    assert run["message"] == "3 customers: at least 100 are needed to fit a purchase model"
    latest = client.get("/api/v1/analytics/runs/latest", headers=auth(small_shop.read_key)).json()
    assert latest == run
    prediction = client.get("/api/v1/customers/c-a/predictions", headers=auth(small_shop.read_key)).json()
    assert (prediction["customer_external_id"], prediction["run_id"], prediction["rfm_segment"]) == ("c-a", run["id"],
                                                                                                     "champions")
    assert prediction["predicted_clv"] is None and prediction["churn_risk_band"] is None
    unknown = client.get("/api/v1/customers/c-nobody/predictions", headers=auth(small_shop.read_key))
    assert unknown.status_code == 404


def test_metrics_cohorts_and_rfm_are_exact(client: TestClient, small_shop: ShopWithKeys) -> None:
    headers = auth(small_shop.read_key)
    default = client.get("/api/v1/analytics/metrics", headers=headers).json()  # February, the last full month
    assert (default["period_start"], default["customers"], default["new_customers"]) == ("2026-02-01T00:00:00", 2, 1)
    march = client.get("/api/v1/analytics/metrics?start=2026-03-01&end=2026-04-01", headers=headers).json()
    assert (march["customers"], march["orders"], march["net_revenue"], march["return_rate"]) == (1, 1, 25000, 5000 / 30000)
    group = client.get("/api/v1/analytics/metrics?start=2026-03-01&end=2026-04-01&customer_group=b2b", headers=headers)
    assert group.json()["customers"] == 0 and group.json()["customers_to_date"] == 0
    bad = client.get("/api/v1/analytics/metrics?start=2026-03-01&end=2026-02-01", headers=headers)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "end"
    cohorts = client.get("/api/v1/analytics/cohorts?periods=2", headers=headers).json()
    assert [(cell["cohort"], cell["period_number"], cell["active_customers"]) for cell in cohorts["cohorts"]] == [
        ("2026-02-01", 0, 1), ("2026-02-01", 1, 0)]
    rfm = client.get("/api/v1/analytics/rfm", headers=headers).json()
    assert rfm["customers"] == 3
    assert {(cell["recency_score"], cell["frequency_monetary_score"], cell["customers"]) for cell in rfm["grid"]} == {
        (5, 5, 1), (3, 3, 1), (1, 2, 1)}


def test_another_shop_sees_nothing(client: TestClient, small_shop: ShopWithKeys, other_shop: ShopWithKeys,
                                   session_factory: sessionmaker[Session]) -> None:
    mine = requested_and_run(client, session_factory, small_shop.admin_key)
    headers = auth(other_shop.read_key)
    assert client.get(f"/api/v1/analytics/runs/{mine['id']}", headers=headers).status_code == 404
    assert client.get("/api/v1/analytics/runs/latest", headers=headers).status_code == 404
    assert client.get("/api/v1/customers/c-a/predictions", headers=headers).status_code == 404
    metrics = client.get("/api/v1/analytics/metrics?start=2025-01-01&end=2026-04-01", headers=headers).json()
    assert (metrics["customers"], metrics["orders"], metrics["customers_to_date"]) == (0, 0, 0)
    assert client.get("/api/v1/analytics/cohorts", headers=headers).json()["cohorts"] == []
    assert client.get("/api/v1/analytics/rfm", headers=headers).json()["customers"] == 0
    other_run = requested_and_run(client, session_factory, other_shop.admin_key)
    assert (other_run["customers"], other_run["churn_risk_bands"]) == (0, {})
    assert client.get("/api/v1/analytics/runs/latest", headers=auth(small_shop.read_key)).json()["customers"] == 3


def test_nightly_job_fans_out_per_shop_and_runs_twice_without_duplicates(
        db: Session, small_shop: ShopWithKeys, other_shop: ShopWithKeys) -> None:
    assert default_registry.periodic["analytics.nightly"].task == "analytics.run"
    assert default_registry.periodic["analytics.nightly"].every.total_seconds() == 24 * 3600
    run_analytics(JobContext(db, job_id=0, shop_id=None, attempt=1), {})
    queued = db.scalars(select(Job).where(Job.task == "analytics.run")).all()
    assert sorted(job.payload["shop_id"] for job in queued) == sorted([small_shop.shop.id, other_shop.shop.id])
    for _ in range(2):
        run_analytics(JobContext(db, job_id=0, shop_id=small_shop.shop.id, attempt=1), {"shop_id": small_shop.shop.id})
    rows = db.scalar(select(func.count()).select_from(CustomerPrediction)
                     .where(CustomerPrediction.shop_id == small_shop.shop.id))
    runs = db.scalar(select(func.count()).select_from(AnalyticsRun).where(AnalyticsRun.shop_id == small_shop.shop.id))
    assert (rows, runs) == (3, 2)
