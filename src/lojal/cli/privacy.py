"""``lojal customer export|erase``: GDPR access and erasure for one customer."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import typer

from lojal.cli.common import console, transaction
from lojal.kit.clock import utcnow
from lojal.privacy import service
from lojal.shops.service import get_shop

app = typer.Typer(help="One customer's data: export it (GDPR access) or erase it.", no_args_is_help=True)

SHOP = typer.Option(..., "--shop", help="The shop's slug or id")
CUSTOMER = typer.Argument(..., help="The shop's external id of the customer, or id:<n> for Lojal's id")


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@app.command("export")
def export(customer: str = CUSTOMER, shop: str = SHOP,
           output: Path | None = typer.Option(None, "-o", "--output", help="Write to this file (default: stdout)")) -> None:
    """Everything Lojal holds about the customer, as one JSON document."""
    with transaction() as session:
        found_shop = get_shop(session, shop)
        found = service.find_customer(session, found_shop, customer)
        exported = service.export_customer(session, found_shop, found, actor=_actor(), source="cli", now=utcnow())
        content = service.document_json(exported.document)
    if output is None:
        sys.stdout.buffer.write(content + b"\n")
    else:
        output.write_bytes(content + b"\n")
        console.print(f"data of customer {exported.request.customer_id} written to {output}")


@app.command("erase")
def erase(customer: str = CUSTOMER, shop: str = SHOP,
          yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation")) -> None:
    """Erase the customer's personal data; order amounts, dates and points stay."""
    if not yes:
        typer.confirm(f"Erase the personal data of customer {customer}? This cannot be undone", abort=True)
    with transaction() as session:
        found_shop = get_shop(session, shop)
        found = service.find_customer(session, found_shop, customer)
        result = service.erase_customer(session, found_shop, found, actor=_actor(), source="cli", now=utcnow())
        summary = dict(result.request.summary)
        request_id, erased_at = result.request.id, result.request.created_at
    word = "was already erased" if result.already_erased else "erased"
    console.print(f"customer {result.customer_id} {word} ({erased_at.isoformat()}, privacy request {request_id})")
    console.print(", ".join(f"{name}: {count}" for name, count in summary.items()))
