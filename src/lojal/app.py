"""create_app(): the API, the admin web pages, error handlers, and (on the embedded default) an
in-process worker."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from lojal import __version__
from lojal.api.errors import install_error_handlers
from lojal.api.middleware import RefuseNulCharacters
from lojal.config import Settings, get_settings
from lojal.db.engine import create_db_engine, make_session_factory

logger = logging.getLogger("lojal.app")

DESCRIPTION = """Lojal's REST API. Authenticate with a shop API key: `Authorization: Bearer lojal_<prefix>_<secret>`
(create one with `lojal shop create NAME` or in the admin pages). Keys have scopes: `ingest` (send data),
`read` (read it back), `admin`. Money is integer minor units (øre, cents) with an ISO 4217 currency code;
times are ISO 8601 with a time zone. Errors are `{"error": {"code", "message", "field"}}`. Every POST
honours `Idempotency-Key`; PUTs are full-state upserts and safe to repeat."""


def create_app(settings: Settings | None = None, *, engine: Engine | None = None,
               session_factory: sessionmaker[Session] | None = None, start_worker: bool = False) -> FastAPI:
    settings = settings or get_settings()
    if session_factory is None:
        engine = engine or create_db_engine(settings.database_url, pool_size=settings.database_pool_size,
                                            max_overflow=settings.database_max_overflow)
        session_factory = make_session_factory(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if _dialect(session_factory) == "postgresql":
            # Sync endpoints run in anyio's thread pool (40 threads by default); past the connection
            # pool, extra threads only open and close overflow connections and contend for the GIL.
            anyio.to_thread.current_default_thread_limiter().total_tokens = settings.database_pool_size
        worker = None
        if start_worker:
            from lojal.worker import start_in_process_worker

            worker = start_in_process_worker(session_factory, settings.worker)
        try:
            yield
        finally:
            if worker is not None:
                thread, stop = worker
                stop.set()
                thread.join(timeout=10)

    app = FastAPI(title="Lojal", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  docs_url="/api/docs", redoc_url=None, openapi_url="/openapi.json")
    app.state.settings = settings
    app.state.session_factory = session_factory
    install_error_handlers(app)
    app.add_middleware(RefuseNulCharacters)
    _mount_routers(app)

    @app.get("/healthz", tags=["health"], summary="Liveness and database check")
    def healthz() -> dict[str, Any]:
        with session_factory() as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    return app


def _dialect(session_factory: sessionmaker[Session]) -> str:
    bind = session_factory.kw.get("bind")
    return bind.dialect.name if bind is not None else ""


def serve_app() -> FastAPI:
    """The factory ``lojal serve`` gives uvicorn (one per worker process)."""
    from lojal.logging import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    app = create_app(settings, start_worker=settings.in_process_worker)
    freeze_startup_objects()
    return app


def freeze_startup_objects() -> None:
    """Move what the imports and the app made (~190,000 objects, kept for the life of the process)
    out of the garbage collector's sight, and collect the young generation less often. Otherwise
    every full collection walks them all: in ``benchmarks/ingest_webhook`` a web process paused
    200-270 ms three times in 20 s. And the default young threshold (700 container objects more
    allocated than freed) is reached by the objects of one batch of in-flight PUTs alone: 63 young
    collections a second, whose survivors fed a 10-20 ms full collection every 2 s; at 5,000,
    under one a second (GC time per 20 s of load: 496 ms -> 54 ms). Collected once first, so no
    garbage is frozen."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, 20, 20)


YOUNG_COLLECTION_THRESHOLD = 5_000


def _mount_routers(app: FastAPI) -> None:
    from lojal.analytics.endpoints import router as analytics
    from lojal.catalog.endpoints import router as products
    from lojal.customers.endpoints import router as customers
    from lojal.events.endpoints import router as events
    from lojal.integrations.endpoints import router as integrations
    from lojal.ingest.endpoints import router as bulk
    from lojal.loyalty.endpoints import router as loyalty
    from lojal.orders.endpoints import add_put_order_short_path
    from lojal.orders.endpoints import router as orders
    from lojal.privacy.endpoints import router as privacy
    from lojal.transfer.endpoints import router as transfer
    from lojal.web.admin import mount_admin
    from lojal.webhooks_out.endpoints import router as webhooks_out

    for router in (customers, orders, products, events, bulk, loyalty, analytics, integrations, privacy,
                   webhooks_out, transfer):
        app.include_router(router)
    mount_admin(app)
    add_put_order_short_path(app)
