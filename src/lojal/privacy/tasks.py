"""The job that handles Shopify's privacy webhooks (customers/redact, customers/data_request)."""

from __future__ import annotations

from typing import Any

from lojal.integrations.apply import apply_privacy_request
from lojal.integrations.service import MAX_ATTEMPTS, PRIVACY_TASK
from lojal.kit.clock import utcnow
from lojal.worker import JobContext, task


@task(PRIVACY_TASK, max_attempts=MAX_ATTEMPTS)
def apply_shopify_privacy_request(context: JobContext, payload: dict[str, Any]) -> None:
    assert context.shop_id is not None
    apply_privacy_request(context.session, context.shop_id, payload, now=utcnow())
