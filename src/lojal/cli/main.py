"""The ``lojal`` command."""

from __future__ import annotations

import typer

from lojal.cli import analytics, database, demo, integrations, privacy, serve, shops, users, webhooks
from lojal.cli.transfer import export_app, imports_app

app = typer.Typer(help="Lojal: customer loyalty and retention for online shops.", no_args_is_help=True)
app.add_typer(database.app, name="db")
app.add_typer(shops.app, name="shop")
shops.app.add_typer(integrations.app, name="connect")
app.add_typer(users.app, name="user")
app.command("serve")(serve.serve)
app.command("worker")(serve.worker)
app.command("demo")(demo.demo)
app.add_typer(analytics.app, name="analytics")
app.add_typer(privacy.app, name="customer")
app.add_typer(webhooks.app, name="webhooks")
app.add_typer(imports_app, name="import")
app.add_typer(export_app, name="export")


if __name__ == "__main__":
    app()
