"""The nightly analytics: ``analytics.run`` with ``{"shop_id": n}`` runs one shop; without a shop
it fans out one job per shop, so each shop runs (and commits, and retries) on its own. A run
requested through the API adds ``run_id`` (the queued row to fill in), ``horizon_months`` and
``monthly_discount_rate``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lojal.analytics import queries, service
from lojal.kit.clock import utcnow
from lojal.shops.service import get_shop
from lojal.worker import JobContext, enqueue_many, periodic, task


@task("analytics.run")
def run_analytics(context: JobContext, payload: dict[str, Any]) -> None:
    shop_id = payload.get("shop_id") or context.shop_id
    if shop_id is None:
        enqueue_many(context.session, [{"task": "analytics.run", "payload": {"shop_id": shop_id}, "shop_id": shop_id}
                                       for shop_id in queries.shop_ids(context.session)])
        return
    defaults = service.RunOptions()
    options = service.RunOptions(
        horizon_months=float(payload.get("horizon_months", defaults.horizon_months)),
        monthly_discount_rate=float(payload.get("monthly_discount_rate", defaults.monthly_discount_rate)))
    run_id = payload.get("run_id")
    service.run_for_shop(context.session, get_shop(context.session, int(shop_id)), utcnow(), options,
                         run_id=int(run_id) if run_id is not None else None)


periodic("analytics.nightly", every=timedelta(hours=24), task="analytics.run")
