"""Request checks done once for every request, before any endpoint sees it."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lojal.api.idempotency import json_bytes
from lojal.errors import NUL_MESSAGE, ValidationFailed

NUL_ESCAPE = b"\\u0000"
NUL_IN_QUERY = b"%00"


class RefuseNulCharacters:
    """PostgreSQL cannot store NUL in text, so a JSON body carrying ``\\u0000`` is refused with a
    422 on both databases instead of failing deep inside a write; so is a path or a query string
    holding one (an external id or a filter: PostgreSQL refuses it even in a look-up). (The NDJSON
    bulk endpoint checks line by line instead, so one bad line does not refuse the file; platform
    webhooks are signed over the raw body and drop NUL characters when they are applied.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and ("\x00" in scope["path"] or NUL_IN_QUERY in scope.get("query_string", b"")):
            await _refuse(send, "path" if "\x00" in scope["path"] else "query")  # an id or filter with NUL
            return
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH") or \
                scope["path"].startswith("/webhooks/"):  # signed platform bodies: cleaned after verifying
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if not headers.get(b"content-type", b"").startswith(b"application/json"):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        if NUL_ESCAPE in body:
            await _refuse(send, "body")
            return
        await self.app(scope, replay_body(body, receive), send)


async def _refuse(send: Send, field: str) -> None:
    content = json_bytes(ValidationFailed(NUL_MESSAGE, field=field).to_dict())
    await send({"type": "http.response.start", "status": 422,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]})
    await send({"type": "http.response.body", "body": content})


def replay_body(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the app the body read already (whole), then what the server sends."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
