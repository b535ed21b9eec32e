"""Large files are read and mapped in a second process (transfer.reader): what it imports, what it
refuses and what it reports must be exactly what one process gives."""

from __future__ import annotations

import gc
import io
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from lojal.errors import ValidationFailed
from lojal.kit.collection import BULK_THRESHOLD
from lojal.transfer import reader
from lojal.transfer.imports import ImportOptions, ImportReport, import_file
from tests.fixtures.api import ShopWithKeys
from tests.transfer.helpers import DATA, customers_state, lines_state, orders_state, refunds_state

ORDER_FILES = [("shopify", "shopify_orders.csv"), ("shopify", "shopify_orders_bom.csv"),
               ("shopify", "shopify_orders_excel_nb.csv"), ("woocommerce", "woocommerce_orders.csv"),
               ("generic", "generic_orders.csv")]


def _import(db: Session, shop: ShopWithKeys, path: Path, file_format: str, *, process: bool,
            heard: dict[str, list[int]] | None = None, **options: Any) -> ImportReport:
    with path.open("rb") as source:
        report = import_file(db, shop.shop, "orders", file_format, source, ImportOptions(batch_size=2, **options),
                             after_batch=db.commit, reader_process=process,
                             on_rows=heard["rows"].append if heard is not None else None,
                             on_bytes=heard["bytes"].append if heard is not None else None)
    db.commit() if report.imported else db.rollback()
    return report


def _state(db: Session, shop: ShopWithKeys) -> tuple[Any, ...]:
    shop_id = shop.shop.id
    return ([row[:-1] for row in orders_state(db, shop_id)], lines_state(db, shop_id), customers_state(db, shop_id),
            refunds_state(db, shop_id))


@pytest.mark.parametrize(("file_format", "name"), ORDER_FILES)
def test_a_file_read_in_a_second_process_lands_as_in_one(db: Session, shop: ShopWithKeys, other_shop: ShopWithKeys,
                                                         file_format: str, name: str) -> None:
    here = _import(db, shop, DATA / name, file_format, process=False)
    there = _import(db, other_shop, DATA / name, file_format, process=True)
    assert here.imported and there.imported
    assert there.as_dict() == here.as_dict()
    assert there.rows > 0 and there.bulk.counts.get("order", 0) > 0
    assert _state(db, other_shop) == _state(db, shop)
    again = _import(db, other_shop, DATA / name, file_format, process=True)
    assert again.imported and _state(db, other_shop) == _state(db, shop)


def test_bad_rows_are_refused_with_their_lines_as_in_one_process(db: Session, shop: ShopWithKeys,
                                                                 other_shop: ShopWithKeys, tmp_path: Path) -> None:
    text = (DATA / "shopify_orders.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    text[3] = text[3].replace(",NOK,", ",EUR,", 1)  # line 4: #1002 mapped, then refused by the importer
    text[4] = text[4].replace(',3,"Ullsokker', ',tre,"Ullsokker')  # line 5: #1003's first line item
    text[7] = text[7].replace("249.00", "249.0O", 1)  # line 8: #1004's Subtotal
    broken = tmp_path / "orders.csv"
    broken.write_text("".join(text), encoding="utf-8")
    here = _import(db, shop, broken, "shopify", process=False)
    there = _import(db, other_shop, broken, "shopify", process=True)
    assert not there.imported
    assert [(error.line, error.external_id, error.field) for error in there.bulk.errors] == [
        (4, "5001000002", "currency"), (5, "#1003", "Lineitem quantity"), (8, "#1004", "Subtotal")]
    assert there.as_dict() == here.as_dict()
    assert _state(db, other_shop) == ([], [], [], [])
    skipped = _import(db, other_shop, broken, "shopify", process=True, skip_bad_rows=True)
    assert skipped.imported and skipped.bulk.failed == 4  # and #1002's refund, its order refused
    assert [row[0] for row in orders_state(db, other_shop.shop.id)] == ["5001000001"]


def test_a_file_that_cannot_be_read_on_fails_as_in_one_process(db: Session, shop: ShopWithKeys,
                                                               other_shop: ShopWithKeys, tmp_path: Path) -> None:
    good = (DATA / "shopify_orders.csv").read_bytes()
    broken = tmp_path / "orders.csv"  # valid UTF-8 in the sample the dialect is read from, not after it
    broken.write_bytes(good + b"\n" * 70_000 + b'#1009,x@example.no,paid,,,,NOK,1.00,0,0,1.00,,,'
                       b'2026-01-15 10:12:45 +0100,1,\xe6bler,1.00,SKU\n')
    messages = []
    for owner, process in ((shop, False), (other_shop, True)):
        with pytest.raises(ValidationFailed) as raised:
            _import(db, owner, broken, "shopify", process=process)
        messages.append((raised.value.field, raised.value.message))
        # the failed import's ingestor is closed at once (not when collected): thresholds are back
        assert gc.get_threshold() != BULK_THRESHOLD
    assert messages[0] == messages[1]
    assert messages[1][0] == "encoding" and "is not utf-8 after line" in messages[1][1]
    with pytest.raises(ValidationFailed, match="lacks the column"):
        _import(db, other_shop, DATA / "shopify_customers.csv", "shopify", process=True)


def test_progress_is_heard_from_the_second_process(db: Session, shop: ShopWithKeys, tmp_path: Path) -> None:
    header, *rows = (DATA / "generic_orders.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    many = tmp_path / "orders.csv"
    first = rows[0].split(",")
    with many.open("w", encoding="utf-8") as out:  # 1,200 one-line orders of the file's first customer
        out.write(header)
        for number in range(1200):
            out.write(",".join([first[0], first[1], f"bulk-{number}", *first[3:]]))
    heard: dict[str, list[int]] = {"rows": [], "bytes": []}
    report = _import(db, shop, many, "generic", process=True, heard=heard)
    assert report.imported and report.rows == 1200 and report.bulk.counts == {"order": 1200}
    assert heard["rows"][:2] == [500, 1000] and heard["rows"][-1] == 1200
    assert heard["bytes"] == sorted(heard["bytes"]) and heard["bytes"][-1] == many.stat().st_size


@pytest.mark.skipif((os.cpu_count() or 1) < 2 or os.name != "posix", reason="a second process pays only with a second core")
def test_only_large_files_are_worth_a_process() -> None:
    large = io.BytesIO(b"x" * reader.MIN_BYTES)
    assert reader.worth_a_process(large) and large.tell() == 0
    large.seek(1)
    assert not reader.worth_a_process(large) and large.tell() == 1
    assert not reader.worth_a_process(io.BytesIO(b"Name,Email\n"))


def test_a_reader_process_that_fails_is_an_error_with_its_reason() -> None:
    from zoneinfo import ZoneInfo

    from lojal.transfer.csv_source import Dialect
    from lojal.transfer.formats.base import Context

    def read(format_name: str, zone: Any) -> None:
        with (DATA / "shopify_orders.csv").open("rb") as source:
            list(reader.read_in_process(source, "orders", format_name, Dialect("utf-8-sig", ",", False),
                                        Context("NOK", zone, False), "x", lambda rows: None, None))

    with pytest.raises(RuntimeError) as raised:  # fails while reading: reported by the child
        read("no-such-format", ZoneInfo("Europe/Oslo"))
    assert "reader process failed" in str(raised.value) and "KeyError: 'no-such-format'" in str(raised.value)
    with pytest.raises(RuntimeError) as raised:  # fails before reading: its exit status and error output
        read("shopify", "No/Such_Zone")
    assert "ended with 1" in str(raised.value) and "No/Such_Zone" in str(raised.value)
