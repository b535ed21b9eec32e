"""The deterministic demo shop (``lojal demo``) and the data generator the benchmarks use."""

from lojal.demo.generator import DemoConfig, count_estimate, generate, write_ndjson

__all__ = ["DemoConfig", "count_estimate", "generate", "write_ndjson"]
