"""Every ORM model, one file per aggregate. Importing this package registers them all."""

from lojal.models.analytics import AnalyticsRun, CustomerPrediction
from lojal.models.catalog import Product, ProductVariant
from lojal.models.customer import Customer, CustomerTombstone
from lojal.models.event import CustomerEvent, DomainEvent
from lojal.models.infrastructure import IdempotencyRecord, IdSequence, LoginAttempt
from lojal.models.job import Job, PeriodicSchedule
from lojal.models.loyalty import (
    EarningRule,
    LedgerEntry,
    LoyaltyAccount,
    LoyaltyProgram,
    MemberOffer,
    PointLot,
    Redemption,
    Reward,
    Tier,
)
from lojal.models.order import Order, OrderLine, Refund, RefundLine
from lojal.models.privacy import PrivacyRequest
from lojal.models.shop import AdminUser, ApiKey, Shop, ShopMembership
from lojal.models.webhook import WebhookDelivery, WebhookSubscription

__all__ = [
    "AdminUser",
    "AnalyticsRun",
    "CustomerPrediction",
    "ApiKey",
    "Customer",
    "CustomerTombstone",
    "EarningRule",
    "CustomerEvent",
    "DomainEvent",
    "IdSequence",
    "IdempotencyRecord",
    "Job",
    "LedgerEntry",
    "LoginAttempt",
    "LoyaltyAccount",
    "LoyaltyProgram",
    "MemberOffer",
    "Order",
    "OrderLine",
    "PeriodicSchedule",
    "PointLot",
    "PrivacyRequest",
    "Product",
    "ProductVariant",
    "Redemption",
    "Refund",
    "RefundLine",
    "Reward",
    "Shop",
    "ShopMembership",
    "Tier",
    "WebhookDelivery",
    "WebhookSubscription",
]
