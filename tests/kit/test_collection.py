"""Bulk ingestion raises the collector's thresholds while it runs and always puts them back."""

import gc

from sqlalchemy.orm import Session

from lojal.ingest.bulk import BulkIngestor
from lojal.kit.collection import BULK_THRESHOLD
from tests.fixtures.api import ShopWithKeys


def test_thresholds_are_raised_while_ingesting_and_restored_after(db: Session, shop: ShopWithKeys) -> None:
    before = gc.get_threshold()
    assert before != BULK_THRESHOLD
    first = BulkIngestor(db, shop.shop, pipelined=True)
    second = BulkIngestor(db, shop.shop)
    assert gc.get_threshold() == BULK_THRESHOLD
    first.finish()
    assert gc.get_threshold() == BULK_THRESHOLD  # the second still runs
    second.finish()
    second.close()  # a second close changes nothing
    assert gc.get_threshold() == before


def test_an_abandoned_ingestor_restores_them_too(db: Session, shop: ShopWithKeys) -> None:
    before = gc.get_threshold()
    ingestor = BulkIngestor(db, shop.shop)
    assert gc.get_threshold() == BULK_THRESHOLD
    del ingestor
    gc.collect()
    assert gc.get_threshold() == before
