"""``lojal user``: admin users."""

from __future__ import annotations

import typer

from lojal.auth import service
from lojal.cli.common import console, transaction
from lojal.shops.service import get_shop

app = typer.Typer(help="Admin users of the web pages.", no_args_is_help=True)


@app.command()
def create(email: str, shop: list[str] = typer.Option([], help="Shop slug or id the user may see; repeat for several"),
           role: str = typer.Option("owner", help="owner, marketer or support"),
           name: str = typer.Option(""),
           password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True,
                                        envvar="LOJAL_NEW_USER_PASSWORD")) -> None:
    """Create an admin user (argon2-hashed password) with a role in the given shops."""
    with transaction() as session:
        user = service.create_user(session, email, password, name)
        for reference in shop:
            service.grant_role(session, user, get_shop(session, reference), role)
    console.print(f"user {user.email} created" + (f" as {role} of {', '.join(shop)}" if shop else ""))


@app.command()
def grant(email: str, shop: str, role: str = typer.Option("owner", help="owner, marketer or support")) -> None:
    """Give a user a role in a shop."""
    with transaction() as session:
        user = service.get_user_by_email(session, email)
        if user is None:
            raise typer.BadParameter(f"no user {email}")
        service.grant_role(session, user, get_shop(session, shop), role)
    console.print(f"{email} is {role} of {shop}")
