"""``lojal shop``: shops and their API keys."""

from __future__ import annotations

import typer
from rich.table import Table

from lojal.cli.common import console, transaction
from lojal.shops import repository, service
from lojal.shops.schemas import ShopIn

app = typer.Typer(help="Shops (tenants) and their API keys.", no_args_is_help=True)


@app.command()
def create(name: str, currency: str = typer.Option("NOK", help="ISO 4217 code of the shop's books"),
           slug: str | None = typer.Option(None, help="Short name in URLs; made from the name if left out"),
           timezone: str = typer.Option("Europe/Oslo"), locale: str = typer.Option("nb")) -> None:
    """Create a shop and print an API key with all scopes (shown once)."""
    with transaction() as session:
        shop = service.create_shop(session, ShopIn(name=name, currency=currency, slug=slug, timezone=timezone, locale=locale))
        issued = service.create_api_key(session, shop, "created with the shop", ["ingest", "read", "admin"])
    console.print(f"shop [bold]{shop.name}[/bold] (slug {shop.slug}, id {shop.id}, {shop.currency})")
    console.print("API key (shown once, keep it safe):")
    print(issued.key)


@app.command("list")
def list_shops() -> None:
    """The shops in this installation."""
    with transaction() as session:
        table = Table("id", "slug", "name", "currency", "time zone")
        for shop in repository.list_shops(session):
            table.add_row(str(shop.id), shop.slug, shop.name, shop.currency, shop.timezone)
    console.print(table)


@app.command("key-create")
def key_create(shop: str, name: str = typer.Option("API key"),
               scope: list[str] = typer.Option(["ingest", "read"], help="ingest, read, admin; repeat for several")) -> None:
    """Create another API key for a shop (shown once)."""
    with transaction() as session:
        issued = service.create_api_key(session, service.get_shop(session, shop), name, scope)
    console.print(f"key {issued.api_key.prefix} with scopes {', '.join(issued.api_key.scopes)} (shown once):")
    print(issued.key)


@app.command("keys")
def keys(shop: str) -> None:
    """A shop's API keys (prefix, scopes, last use), never the secrets."""
    with transaction() as session:
        table = Table("id", "prefix", "name", "scopes", "last used", "revoked")
        for key in repository.list_api_keys(session, service.get_shop(session, shop).id):
            table.add_row(str(key.id), key.prefix, key.name, ",".join(key.scopes), str(key.last_used_at or "-"),
                          str(key.revoked_at or "-"))
    console.print(table)


@app.command("key-revoke")
def key_revoke(shop: str, key_id: int) -> None:
    """Revoke an API key at once."""
    with transaction() as session:
        key = service.revoke_api_key(session, service.get_shop(session, shop), key_id)
    console.print(f"key {key.prefix} revoked")
