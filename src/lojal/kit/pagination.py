"""Opaque cursors for keyset pagination: the cursor carries the last row's sort key."""

from __future__ import annotations

import base64
import json
from typing import Any

from lojal.errors import ValidationFailed


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list[Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationFailed("cursor is not one this API gave out", field="cursor") from error
    if not isinstance(values, list):
        raise ValidationFailed("cursor is not one this API gave out", field="cursor")
    return values
