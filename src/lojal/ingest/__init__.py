"""Ingestion that spans domains: the NDJSON bulk format (and, later, platform adapters)."""
