from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

import lojal.events.tasks  # noqa: F401  (registers the dispatcher)
import lojal.integrations.tasks  # noqa: F401  (registers the delivery job)
from lojal.integrations import service
from lojal.kit.clock import FrozenClock
from lojal.worker import Worker
from tests.fixtures.api import ShopWithKeys
from tests.fixtures.clock import frozen_clock
from tests.integrations.helpers import SHOPIFY_SECRET, WOOCOMMERCE_SECRET

NOW = datetime(2026, 3, 14, 17, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[FrozenClock]:
    with frozen_clock(NOW) as frozen:
        yield frozen


@pytest.fixture
def connected(db: Session, shop: ShopWithKeys, clock: FrozenClock) -> ShopWithKeys:
    """The shop with both platforms' webhook secrets set."""
    service.connect(db, shop.shop, "shopify", SHOPIFY_SECRET, NOW)
    service.connect(db, shop.shop, "woocommerce", WOOCOMMERCE_SECRET, NOW)
    db.commit()
    return shop


@pytest.fixture
def worker(session_factory: sessionmaker[Session]) -> Worker:
    return Worker(session_factory, name="test")
