"""Files in and out: CSV imports (Shopify, WooCommerce, a generic format) that feed the hub through
the bulk ingestion path, and streaming exports (CSV, NDJSON, Parquet) of customers, orders, order
lines and events for a CRM or an e-mail tool."""
