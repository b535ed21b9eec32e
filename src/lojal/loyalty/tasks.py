"""The club's reactions to the hub's events and its periodic jobs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from lojal.events.reactions import reaction
from lojal.kit.clock import utcnow
from lojal.customers import service as customers
from lojal.loyalty import accrual, batch_accrual, maintenance, repository, rewards, tiers
from lojal.models import Customer, DomainEvent
from lojal.orders import service as orders
from lojal.shops.service import get_shop
from lojal.worker import JobContext, periodic, task

ORDER_EVENTS = ("order.placed", "order.paid", "order.fulfilled", "order.updated", "order.cancelled", "order.refunded")


@reaction("loyalty.orders", *ORDER_EVENTS)
def points_for_orders(session: Session, shop_id: int, events: list[DomainEvent]) -> None:
    shop = get_shop(session, shop_id)
    if repository.program(session, shop_id) is None:
        return
    now = utcnow()
    order_ids = sorted({int(event.payload.get("order_id") or event.subject_id) for event in events})
    found = orders.orders_with_lines(session, shop, order_ids)
    batch_accrual.sync_orders(session, shop, order_ids, now, actor="job:loyalty.orders", found=found)
    rewards.mark_codes_used(session, shop, order_ids, now, found=found)
    tiers.refresh_for_orders(session, shop, order_ids, now, found=found)


@reaction("loyalty.actions", "customer.created", "customer.updated", "event.custom")
def points_for_actions(session: Session, shop_id: int, events: list[DomainEvent]) -> None:
    shop = get_shop(session, shop_id)
    program = repository.program(session, shop_id)
    if program is None or not program.enabled or not any(
            rule.kind == "action" and rule.active for rule in repository.current_rules(session, shop_id)):
        return  # no club, or no rule pays for actions: nothing to look at
    now = utcnow()
    for event in events:
        if event.customer_id is None:
            continue
        customer = customers.get(session, shop, event.customer_id)
        for action, occurrence in actions_of(event, customer):
            accrual.award_action(session, shop, event.customer_id, action, occurrence, now, actor="job:loyalty.actions")


def profile_complete(customer: Customer) -> bool:
    """Name, birth date, phone and at least one interest: what the club asks a member to share."""
    return bool(customer.first_name and customer.last_name and customer.birth_date and customer.phone
                and customer.interests)


def actions_of(event: DomainEvent, customer: Customer) -> list[tuple[str, str]]:
    """Which club actions an event is: sign-up (registered customers, not guests), newsletter
    consent, a completed profile, custom events. Each occurrence is paid once (see award_action)."""
    payload: dict[str, Any] = event.payload or {}
    found: list[tuple[str, str]] = []
    if event.type in ("customer.created", "customer.updated"):
        if event.type == "customer.created" and not customer.is_guest:
            found.append(("signup", "signup"))
        if customer.email_consent:
            found.append(("newsletter_consent", "newsletter"))
        if profile_complete(customer):
            found.append(("profile_completed", "profile"))
    elif event.type == "event.custom" and payload.get("name"):
        found.append((f"custom:{payload['name']}", f"event:{event.subject_id}"))
    return found


@task("loyalty.housekeeping")
def housekeeping(context: JobContext, payload: dict[str, Any]) -> None:
    """Release pending points, warn of and expire points, expire unused codes, review tiers,
    birthday points: for every shop with a club, a batch at a time, committing between batches
    (each step is idempotent, so a crash midway is picked up by the next run)."""
    now = utcnow()
    session = context.session
    for shop, program in repository.shops_with_programs(session):
        steps = (lambda: maintenance.release_due(session, shop, now),
                 lambda: maintenance.warn_expiring(session, shop, program, now),
                 lambda: maintenance.expire_due(session, shop, program, now),
                 lambda: rewards.expire_codes(session, shop, program, now),
                 lambda: tiers.review_due(session, shop, program, now))
        for step in steps:
            while step():
                session.commit()
        accrual.award_birthdays(session, shop, now)
        session.commit()


periodic("loyalty.housekeeping", every=timedelta(minutes=15))
