"""The job that applies a webhook delivery (see apply.py)."""

from __future__ import annotations

from typing import Any

from lojal.integrations.apply import apply_delivery
from lojal.integrations.service import APPLY_TASK, MAX_ATTEMPTS
from lojal.kit.clock import utcnow
from lojal.worker import JobContext, task


@task(APPLY_TASK, max_attempts=MAX_ATTEMPTS)
def apply_webhook_delivery(context: JobContext, payload: dict[str, Any]) -> None:
    assert context.shop_id is not None
    apply_delivery(context.session, context.shop_id, payload, final_attempt=context.attempt >= MAX_ATTEMPTS,
                   now=utcnow())
