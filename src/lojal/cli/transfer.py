"""``lojal import`` and ``lojal export``: CSV files in (Shopify, WooCommerce, generic) and the
customer register and sales history out (CSV, NDJSON, Parquet), with progress bars."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.progress import (BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)

from lojal.cli.common import console, errors, transaction
from lojal.config import get_settings
from lojal.ingest.bulk import pipelining_pays
from lojal.shops import service as shops
from lojal.transfer import export as exports
from lojal.transfer.imports import ImportOptions, ImportReport, import_file

imports_app = typer.Typer(help="Import CSV files exported from Shopify, WooCommerce or in Lojal's generic format.",
                          no_args_is_help=True)
export_app = typer.Typer(help="Export customers, orders, order lines or events (CSV, NDJSON, Parquet).",
                         no_args_is_help=True)

FORMAT_HELP = "shopify, woocommerce (orders only) or generic"


def _import(what: str, file: Path, shop: str, file_format: str, skip_bad_rows: bool, encoding: str | None,
            delimiter: str | None, decimal_comma: bool | None) -> None:
    if not file.is_file():
        errors.print(f"[red]error (file):[/red] no file {file}")
        raise typer.Exit(1)
    options = ImportOptions(skip_bad_rows=skip_bad_rows, encoding=encoding, delimiter=delimiter,
                            decimal_comma=decimal_comma, batch_size=get_settings().bulk_batch_size)
    columns = (TextColumn(f"importing {what}"), BarColumn(), DownloadColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with transaction() as session, file.open("rb") as source, Progress(*columns, console=console) as progress:
        task = progress.add_task("bytes", total=file.stat().st_size)
        report = import_file(session, shops.get_shop(session, shop), what, file_format, source, options,
                             after_batch=session.commit, pipelined=pipelining_pays(session),
                             on_bytes=lambda done: progress.update(task, completed=done))
        progress.update(task, completed=file.stat().st_size)
        if not report.imported:
            session.rollback()
    _print_report(report)
    if not report.imported:
        raise typer.Exit(1)


def _print_report(report: ImportReport) -> None:
    dialect = report.dialect
    console.print(f"read {report.rows} row(s) ({dialect.encoding.replace('utf-8-sig', 'utf-8')}, separator "
                  f"{dialect.delimiter!r}, decimal {'comma' if dialect.decimal_comma else 'point'})")
    if report.bulk.errors:
        for error in report.bulk.errors[:50]:
            where = f" {error.type} {error.external_id}" if error.external_id else ""
            field = f" {error.field}" if error.field else ""
            console.print(f"line {error.line}{where}{field}: {error.message}", markup=False, soft_wrap=True)
        hidden = report.bulk.failed - min(len(report.bulk.errors), 50)
        if hidden:
            console.print(f"... and {hidden} more bad row(s)")
    if report.unchanged:
        console.print(f"{report.unchanged} customer(s) unchanged")
    (console if report.imported else errors).print(("" if report.imported else "[red]") + report.message)


@imports_app.command("orders")
def import_orders(file: Path, shop: str = typer.Option(..., help="The shop's slug or id"),
                  file_format: str = typer.Option("shopify", "--format", help=FORMAT_HELP),
                  skip_bad_rows: bool = typer.Option(False, help="Import the good rows of a file with bad ones"),
                  encoding: str | None = typer.Option(None, help="utf-8 or windows-1252 (detected if left out)"),
                  delimiter: str | None = typer.Option(None, help="',' or ';' or '\\t' (detected if left out)"),
                  decimal_comma: bool | None = typer.Option(None, "--decimal-comma/--decimal-point",
                                                            help="Amounts like 1 234,50 (detected from ';')")) -> None:
    """Import orders (and their refunds and customers) from a CSV file; importing again changes nothing."""
    _import("orders", file, shop, file_format, skip_bad_rows, encoding, delimiter, decimal_comma)


@imports_app.command("customers")
def import_customers(file: Path, shop: str = typer.Option(..., help="The shop's slug or id"),
                     file_format: str = typer.Option("shopify", "--format", help="shopify or generic"),
                     skip_bad_rows: bool = typer.Option(False, help="Import the good rows of a file with bad ones"),
                     encoding: str | None = typer.Option(None, help="utf-8 or windows-1252 (detected if left out)"),
                     delimiter: str | None = typer.Option(None, help="',' or ';' (detected if left out)")) -> None:
    """Import customers with their consents from a CSV file; importing again changes nothing."""
    _import("customers", file, shop, file_format, skip_bad_rows, encoding, delimiter, None)


def _export(kind: str, shop: str, file_format: str, output: Path | None) -> None:
    with transaction() as session:
        exports.check(kind, file_format)
        found = shops.get_shop(session, shop)
        if output is None or str(output) == "-":
            if file_format == "parquet":
                errors.print("[red]error (output):[/red] parquet needs a file: -o FILE")
                raise typer.Exit(1)
            exports.export(session, found, kind, file_format, sys.stdout.buffer)
            return
        columns = (TextColumn(f"exporting {kind}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with output.open("wb") as target, Progress(*columns, console=console) as progress:
            task = progress.add_task("rows", total=None)
            written = exports.export(session, found, kind, file_format, target,
                                     on_rows=lambda done: progress.update(task, completed=done))
            progress.update(task, completed=written, total=written)
    console.print(f"wrote {written} {kind} to {output}")


def _export_command(kind: str):  # type: ignore[no-untyped-def]
    def command(shop: str = typer.Option(..., help="The shop's slug or id"),
                file_format: str = typer.Option("csv", "--format", help="csv, ndjson or parquet"),
                output: Path | None = typer.Option(None, "-o", "--output", help="The file to write ('-' or none: stdout)")) -> None:
        _export(kind, shop, file_format, output)

    command.__doc__ = f"Export the shop's {kind.replace('-', ' ')} (columns in docs/export.md)."
    return command


for _kind in exports.KINDS:
    export_app.command(_kind)(_export_command(_kind))
