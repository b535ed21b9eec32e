"""``lojal demo``: a Norwegian demo shop with two years of history, then serve it."""

from __future__ import annotations

import secrets

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from lojal.auth import service as users
from lojal.cli.common import console, engine_for
from lojal.config import get_settings
from lojal.db.engine import make_session_factory
from lojal.db.migrate import upgrade
from lojal.demo.club import credit_history, set_up_demo_club
from lojal.ingest.bulk import BulkIngestor, pipelining_pays
from lojal.kit.clock import utcnow
from lojal.shops import repository as shops_repository
from lojal.shops import service as shops
from lojal.shops.schemas import ShopIn

DEMO_SLUG = "nordlys"
DEMO_EMAIL = "demo@lojal.example"


def demo(customers: int = typer.Option(5000, help="How many customers to generate"),
         seed: int = typer.Option(42, help="Random seed; the same seed gives the same shop"),
         serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the shop when it is loaded"),
         host: str = typer.Option("127.0.0.1"), port: int = typer.Option(8000),
         slug: str = typer.Option(DEMO_SLUG, help="Slug of the demo shop")) -> None:
    """Create the demo shop "Nordlys Sport & Hjem" (once), load it, and serve it."""
    from lojal.demo.generator import DemoConfig, count_estimate, generate

    settings = get_settings()
    engine = engine_for(settings)
    upgrade(engine)
    factory = make_session_factory(engine)
    password = secrets.token_urlsafe(9)
    with factory() as session:
        shop = shops_repository.get_shop_by_slug(session, slug)
        if shop is not None:
            console.print(f"the demo shop [bold]{slug}[/bold] is loaded already (delete the database to start over)")
            password = None
        else:
            shop = shops.create_shop(session, ShopIn(name="Nordlys Sport & Hjem", slug=slug, currency="NOK"))
            user = users.get_user_by_email(session, DEMO_EMAIL) or users.create_user(session, DEMO_EMAIL, password, "Demo")
            users.grant_role(session, user, shop, "owner")
            issued = shops.create_api_key(session, shop, "demo", ["ingest", "read", "admin"])
            set_up_demo_club(session, shop, utcnow())
            session.commit()
            config = DemoConfig(customers=customers, seed=seed)
            ingestor = BulkIngestor(session, shop, batch_size=settings.bulk_batch_size, after_batch=session.commit,
                                    pipelined=pipelining_pays(session))
            columns = (TextColumn("loading the demo shop"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                       TimeRemainingColumn())
            with Progress(*columns, console=console) as progress:
                task = progress.add_task("records", total=count_estimate(config))
                for number, record in enumerate(generate(config), start=1):
                    ingestor.feed_record(number, record)
                    if number % 1000 == 0:
                        progress.update(task, completed=number)
                report = ingestor.finish()
                progress.update(task, completed=report.received, total=report.received)
            console.print(f"loaded {report.succeeded} records ({', '.join(f'{n} {k}s' for k, n in report.counts.items())})"
                          + (f"; {report.failed} refused" if report.failed else ""))
            with Progress(TextColumn("crediting club points"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=console) as progress:
                task = progress.add_task("orders", total=None)
                points = credit_history(session, shop, utcnow(),
                                        lambda done, total: progress.update(task, completed=done, total=total))
            console.print(f"the club Nordlys-klubben credited {points:,} points for the order history")
            console.print(f"API key for the demo shop (shown once): {issued.key}")
    if password:
        console.print(f"admin login: [bold]{DEMO_EMAIL}[/bold] / [bold]{password}[/bold]")
    if serve:
        from lojal.cli.serve import serve as serve_command

        serve_command(host=host, port=port, workers=1, with_worker=None, migrate=False)
