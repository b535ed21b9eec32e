"""A model answered as JSON from inside a sync endpoint.

FastAPI validates and serialises a sync endpoint's return value against its ``response_model``
in a second trip to the thread pool. An endpoint on a hot path (the webhook-style PUTs) returns
``model_response(...)`` instead: the same validation (``from_attributes``, as FastAPI does) and the
same bytes (Pydantic's ``dump_json`` by alias, FastAPI's fast path), made in the endpoint's own
thread. Keep ``response_model`` on the route for the OpenAPI document."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import BaseModel


def model_response(model: type[BaseModel], value: Any, status_code: int = 200) -> Response:
    content = model.model_validate(value, from_attributes=True).model_dump_json(by_alias=True)
    return Response(content=content, status_code=status_code, media_type="application/json")
