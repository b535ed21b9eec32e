"""``lojal webhooks add|list|remove``: a shop's outgoing webhook subscriptions."""

from __future__ import annotations

import typer
from rich.table import Table

from lojal.cli.common import console, transaction
from lojal.config import get_settings
from lojal.kit.clock import utcnow
from lojal.shops.service import get_shop
from lojal.webhooks_out import service

app = typer.Typer(help="Outgoing webhooks: send Lojal's events to your URLs, signed.", no_args_is_help=True)

SHOP = typer.Option(..., "--shop", help="The shop's slug or id")


@app.command("add")
def add(url: str, shop: str = SHOP,
        event: list[str] = typer.Option(["*"], "--event", help="order.paid, order.*, *; repeat for several"),
        description: str | None = typer.Option(None, "--description")) -> None:
    """Subscribe URL to events; prints the signing secret once."""
    with transaction() as session:
        created = service.subscribe(session, get_shop(session, shop), url, event, utcnow(),
                                    settings=get_settings().webhooks, description=description)
        subscription_id = created.subscription.id
    console.print(f"subscription {subscription_id} created for {url}")
    console.print("signing secret (shown once, give it to the receiver):")
    print(created.secret)


@app.command("list")
def list_subscriptions(shop: str = SHOP) -> None:
    """The shop's subscriptions."""
    with transaction() as session:
        table = Table("id", "url", "events", "active", "created")
        for subscription in service.subscriptions(session, get_shop(session, shop)):
            table.add_row(str(subscription.id), subscription.url, ", ".join(subscription.event_types),
                          "yes" if subscription.active else "no", subscription.created_at.isoformat())
    console.print(table)


@app.command("remove")
def remove(subscription_id: int, shop: str = SHOP) -> None:
    """Remove a subscription and its delivery history."""
    with transaction() as session:
        service.unsubscribe(session, get_shop(session, shop), subscription_id)
    console.print(f"subscription {subscription_id} removed")
