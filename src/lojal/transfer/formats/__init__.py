"""The file formats an import reads, by what is imported and the format's name."""

from __future__ import annotations

from lojal.transfer.formats.base import Format
from lojal.transfer.formats.generic import GenericCustomers, GenericOrders
from lojal.transfer.formats.shopify_customers import ShopifyCustomers
from lojal.transfer.formats.shopify_orders import ShopifyOrders
from lojal.transfer.formats.woocommerce_orders import WooCommerceOrders

FORMATS: dict[str, dict[str, Format]] = {
    "orders": {"shopify": ShopifyOrders(), "woocommerce": WooCommerceOrders(), "generic": GenericOrders()},
    "customers": {"shopify": ShopifyCustomers(), "generic": GenericCustomers()},
}
