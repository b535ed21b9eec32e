"""``lojal shop connect``: set the secret Shopify or WooCommerce signs a shop's webhooks with."""

from __future__ import annotations

import typer

from lojal.cli.common import console, transaction
from lojal.integrations import service
from lojal.kit.clock import utcnow
from lojal.shops.service import get_shop

app = typer.Typer(help="Connect a shop platform: store the secret its webhooks are signed with.",
                  no_args_is_help=True)

SHOP = typer.Option(..., "--shop", help="The shop's slug or id")
SECRET = typer.Option(..., "--secret", prompt=True, hide_input=True,
                      help="The webhook secret (asked for without echo if left out)")
BASE_URL = typer.Option("https://lojal.example.com", "--base-url", help="Where this Lojal is reached from the internet")


def _connect(platform: str, shop_reference: str, secret: str, base_url: str) -> None:
    with transaction() as session:
        shop = get_shop(session, shop_reference)
        service.connect(session, shop, platform, secret, utcnow())
        slug = shop.slug
    console.print(f"{service.NAMES[platform]} connected to shop [bold]{slug}[/bold] (secret stored, not shown).")
    console.print(f"Webhook URL to paste into {service.NAMES[platform]}: {base_url.rstrip('/')}/webhooks/{platform}/{slug}")
    console.print(f"Topics Lojal uses: {', '.join(service.TOPICS[platform])}")


@app.command("shopify")
def shopify(shop: str = SHOP, secret: str = SECRET, base_url: str = BASE_URL) -> None:
    """Shopify: the key under Settings > Notifications > Webhooks, or your app's client secret."""
    _connect("shopify", shop, secret, base_url)


@app.command("woocommerce")
def woocommerce(shop: str = SHOP, secret: str = SECRET, base_url: str = BASE_URL) -> None:
    """WooCommerce: the Secret you gave each webhook under WooCommerce > Settings > Advanced > Webhooks."""
    _connect("woocommerce", shop, secret, base_url)
