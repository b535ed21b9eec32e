"""The nightly analytics: ``analytics.run`` with ``{"shop_id": n}`` runs one shop; without a shop
it fans out one job per shop, so each shop runs (and commits, and retries) on its own."""

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
    service.run_for_shop(context.session, get_shop(context.session, int(shop_id)), utcnow())


periodic("analytics.nightly", every=timedelta(hours=24), task="analytics.run")
