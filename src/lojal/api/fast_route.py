"""One hot JSON endpoint answered without FastAPI's request machinery, when the answer is sure to
be the same.

Before an endpoint runs, FastAPI and Starlette pass each request through seven middleware layers,
match it against every route, solve its dependencies (a Session made and closed, the bearer key,
the scope) and parse its body. In ``benchmarks/ingest_webhook`` (one web process, batched writes)
the web process spent 0.87 ms of CPU per PUT order through the route, 0.53 ms with this.

``FastJsonRoute`` takes the requests of one route whose outcome up to the endpoint is already
known: the method, one path segment without NUL and no query string, a JSON body, a bearer key
verified in this process within ``AUTH_CACHE_SECONDS`` that has the scope, no cookie (the admin
session middleware) and no NUL character. The body is parsed and validated the way FastAPI does (``json.loads``, then the model
in Python mode). Every other request, and every request whose body does not parse or validate,
goes to the full app with its body replayed, so every refusal is the app's own answer. An error
the endpoint raises is answered by the app's exception handlers, as it would be behind the route."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Response
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import BaseModel
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from lojal.api.middleware import NUL_ESCAPE, replay_body
from lojal.shops.service import Principal, cached_principal

Handler = Callable[[FastAPI, str, Any, Principal], Awaitable[Response]]


class FastJsonRoute:
    """``method prefix{parameter}`` with a ``model`` body and a key with ``scope``, answered by
    ``handler(app, parameter, body, principal)`` (what the route's endpoint calls too)."""

    def __init__(self, app: ASGIApp, *, method: str, prefix: str, max_parameter_length: int,
                 model: type[BaseModel], scope: str, handler: Handler) -> None:
        self.app = app
        self.method = method
        self.prefix = prefix
        self.max_parameter_length = max_parameter_length
        self.model = model
        self.scope = scope
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal = self._principal(scope) if scope["type"] == "http" else None
        if principal is None:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:  # the client went away
            return
        data = self._body(body)
        if data is None:
            await self.app(scope, replay_body(body, receive), send)
            return
        app: FastAPI = scope["app"]
        try:
            response = await self.handler(app, scope["path"][len(self.prefix):], data, principal)
        except Exception as error:
            handler = _exception_handler(app, error)
            if handler is None:  # the server-error middleware outside answers (500) and logs it
                raise
            response = await handler(Request(scope, receive), error)
        await response(scope, receive, send)

    def _principal(self, scope: Scope) -> Principal | None:
        """The caller, when everything up to the body is as the full route would accept it."""
        path: str = scope["path"]
        if (scope["method"] != self.method or not path.startswith(self.prefix) or scope.get("root_path")
                or scope.get("query_string")):
            return None
        parameter = path[len(self.prefix):]
        if not parameter or "/" in parameter or "\x00" in parameter or len(parameter) > self.max_parameter_length:
            return None
        content_type = authorization = None
        for name, value in scope["headers"]:
            if name == b"content-type" and content_type is None:
                content_type = value
            elif name == b"authorization" and authorization is None:
                authorization = value
            elif name == b"cookie":
                return None
        if content_type is None or content_type.split(b";", 1)[0].strip() != b"application/json" or authorization is None:
            return None
        scheme, credentials = get_authorization_scheme_param(authorization.decode("latin-1"))
        if scheme.lower() != "bearer" or not credentials:
            return None
        principal = cached_principal(credentials)
        if principal is None or (self.scope not in principal.scopes and "admin" not in principal.scopes):
            return None
        return principal

    def _body(self, body: bytes) -> Any:
        """The validated body, or None when the full route is to answer (it refuses it)."""
        if not body or NUL_ESCAPE in body:
            return None
        try:
            return self.model.model_validate(json.loads(body), from_attributes=True)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, not valid (pydantic's is a ValueError)
            return None


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _exception_handler(app: FastAPI, error: Exception) -> Callable[[Request, Any], Awaitable[Response]] | None:
    """The handler Starlette's exception middleware would pick (by the error's class hierarchy),
    leaving ``Exception`` itself to the server-error middleware, as Starlette does."""
    for kind in type(error).__mro__:
        if kind is Exception:
            return None
        handler = app.exception_handlers.get(kind)
        if handler is not None:
            return handler  # type: ignore[return-value]
    return None
