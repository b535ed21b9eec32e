"""FastAPI dependencies: one session per request (committed by the endpoint, the edge), and the
shop calling with a bearer API key that has the scope the endpoint needs.

Both are ``async``: FastAPI runs a sync dependency in the thread pool, a hop (and a GIL handover)
per dependency per request. Making a session does no I/O, and a key verified in the last few
seconds is in memory (``shops.service.AUTH_CACHE_SECONDS``); only what waits on the database (a
key not in memory, checked in a session of its own; closing a session still in a transaction)
goes to a thread."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from lojal.errors import Forbidden, Unauthorized
from lojal.shops.service import Principal, authenticate_api_key, cached_principal

bearer = HTTPBearer(auto_error=False, description="A shop API key: `Authorization: Bearer lojal_<prefix>_<secret>`")


async def get_session(request: Request) -> AsyncIterator[Session]:
    session = request.app.state.session_factory()
    try:
        yield session
    finally:
        if session.in_transaction():  # not committed (an error, or a read-only request): a ROLLBACK
            await run_in_threadpool(session.close)
        else:
            session.close()


SessionDependency = Annotated[Session, Depends(get_session)]


def require_scope(scope: str) -> Callable[..., Principal]:
    async def dependency(request: Request,
                         credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
        if credentials is None:
            raise Unauthorized("send the shop's API key as 'Authorization: Bearer <key>'")
        principal = cached_principal(credentials.credentials)
        if principal is None:
            principal = await _verified(request.app.state.session_factory, credentials.credentials)
        if scope not in principal.scopes and "admin" not in principal.scopes:
            raise Forbidden(f"this API key lacks the '{scope}' scope")
        return principal

    dependency.__name__ = f"require_{scope}_scope"
    return dependency


_verifying: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Future[Principal]]] = \
    weakref.WeakKeyDictionary()


async def _verified(session_factory: sessionmaker[Session], presented: str) -> Principal:
    """The key checked against the database once for all the requests that present it meanwhile.
    When the in-process trust of a busy key ends, every request in flight misses it at once (32
    in ``benchmarks/ingest_webhook``, each two queries in a thread); they share the first check,
    which is what each would have found. The check is a task of its own: a request that goes
    away does not cancel it for the others."""
    loop = asyncio.get_running_loop()
    verifying = _verifying.setdefault(loop, {})
    check = verifying.get(presented)
    if check is None:
        check = asyncio.ensure_future(run_in_threadpool(_authenticate, session_factory, presented))
        verifying[presented] = check
        check.add_done_callback(lambda done: (verifying.pop(presented, None), done.cancelled() or done.exception()))
    return await asyncio.shield(check)


def _authenticate(session_factory: sessionmaker[Session], presented: str) -> Principal:
    with session_factory() as session:
        principal = authenticate_api_key(session, presented)
        if session.dirty:  # the key's last_used_at, recorded at most once a minute
            session.commit()
    return principal


Ingest = Annotated[Principal, Depends(require_scope("ingest"))]
Read = Annotated[Principal, Depends(require_scope("read"))]
Admin = Annotated[Principal, Depends(require_scope("admin"))]
