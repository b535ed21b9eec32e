"""Shops and API keys as the API and CLI see them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lojal.kit.validation import Currency

Scope = Literal["ingest", "read", "admin"]
ALL_SCOPES: tuple[str, ...] = ("ingest", "read", "admin")


class ShopIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    slug: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    currency: Currency = "NOK"
    timezone: str = "Europe/Oslo"
    locale: str = "nb"


class ShopOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    slug: str
    name: str
    currency: str
    timezone: str
    locale: str
    created_at: datetime


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    prefix: str
    name: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewApiKey(BaseModel):
    """The only time the secret key is shown."""

    key: str
    api_key: ApiKeyOut
