"""The reaction that turns Lojal's domain events into deliveries, and the job that sends one."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lojal.config import get_settings
from lojal.events.reactions import reaction
from lojal.kit.clock import utcnow
from lojal.models import DomainEvent
from lojal.shops.service import get_shop
from lojal.webhooks_out import service
from lojal.webhooks_out.rules import EVENT_TYPES
from lojal.worker import JobContext, task


class DeliveryFailed(Exception):
    """The receiver did not take the delivery; the queue retries it with backoff."""


@reaction("webhooks_out.fan_out", *EVENT_TYPES)
def fan_out(session: Session, shop_id: int, events: list[DomainEvent]) -> None:
    service.fan_out(session, shop_id, events, utcnow(), max_attempts=get_settings().webhooks.max_attempts)


@task(service.DELIVER_TASK)
def deliver(context: JobContext, payload: dict[str, Any]) -> None:
    assert context.shop_id is not None
    shop = get_shop(context.session, context.shop_id)
    attempt = service.attempt_delivery(context.session, shop, payload["delivery_id"], utcnow(),
                                       attempt=context.attempt, settings=get_settings().webhooks)
    if attempt.retry:
        context.session.commit()  # the job is the edge: keep the recorded attempt, then fail to be retried
        raise DeliveryFailed(f"delivery {payload['delivery_id']} was not accepted; retried later")
