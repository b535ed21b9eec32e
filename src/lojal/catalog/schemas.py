"""What the API takes and gives for products and variants."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from lojal.kit.validation import Currency, ExternalId, MinorUnits


class VariantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: ExternalId
    sku: str | None = Field(default=None, max_length=255)
    name: str | None = Field(default=None, max_length=500)
    price: MinorUnits | None = None
    cost: MinorUnits | None = None


class ProductIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Kaffefilter str. 4, 100 stk",
                    "sku": "KF-4-100",
                    "category_path": ["Kjøkken", "Kaffe", "Filter"],
                    "brand": "Melitta",
                    "price": 3990,
                    "currency": "NOK",
                    "consumable": True,
                    "days_of_use": 50,
                    "variants": [{"external_id": "KF-4-100-V1", "sku": "KF-4-100", "price": 3990}],
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=500)
    sku: str | None = Field(default=None, max_length=255)
    category_path: list[str] = Field(default_factory=list, max_length=20)
    brand: str | None = Field(default=None, max_length=255)
    price: MinorUnits | None = None
    currency: Currency | None = None
    cost: MinorUnits | None = None
    consumable: bool = False
    days_of_use: int | None = Field(default=None, ge=1, le=3650)
    """For consumables: how many days one unit typically lasts (replenishment reminders)."""
    url: str | None = Field(default=None, max_length=2000)
    image_url: str | None = Field(default=None, max_length=2000)
    attributes: dict[str, Any] = Field(default_factory=dict)
    variants: list[VariantIn] = Field(default_factory=list, max_length=1000)
    created_at: AwareDatetime | None = None

    @field_validator("category_path", mode="before")
    @classmethod
    def _split_path(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.replace("/", ">").split(">") if part.strip()]
        return value


class BulkProductIn(ProductIn):
    external_id: ExternalId


class VariantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str
    sku: str | None
    name: str | None
    price: int | None


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str
    name: str
    sku: str | None
    category_path: list[str]
    brand: str | None
    price: int | None
    currency: str | None
    cost: int | None
    consumable: bool
    days_of_use: int | None
    url: str | None
    image_url: str | None
    attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    variants: list[VariantOut] = []
