"""FastAPI dependencies: one session per request (committed by the endpoint, the edge), and the
shop calling with a bearer API key that has the scope the endpoint needs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from lojal.errors import Forbidden, Unauthorized
from lojal.shops.service import Principal, authenticate_api_key

bearer = HTTPBearer(auto_error=False, description="A shop API key: `Authorization: Bearer lojal_<prefix>_<secret>`")


def get_session(request: Request) -> Iterator[Session]:
    session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.close()


SessionDependency = Annotated[Session, Depends(get_session)]


def require_scope(scope: str) -> Callable[..., Principal]:
    def dependency(session: SessionDependency,
                   credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
        if credentials is None:
            raise Unauthorized("send the shop's API key as 'Authorization: Bearer <key>'")
        principal = authenticate_api_key(session, credentials.credentials)
        if session.dirty:  # the key's last_used_at, recorded at most once a minute
            session.commit()
        if scope not in principal.scopes and "admin" not in principal.scopes:
            raise Forbidden(f"this API key lacks the '{scope}' scope")
        return principal

    dependency.__name__ = f"require_{scope}_scope"
    return dependency


Ingest = Annotated[Principal, Depends(require_scope("ingest"))]
Read = Annotated[Principal, Depends(require_scope("read"))]
Admin = Annotated[Principal, Depends(require_scope("admin"))]
