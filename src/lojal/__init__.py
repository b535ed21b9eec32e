"""Lojal: open-source, self-hostable customer loyalty and retention platform for online shops."""

__version__ = "0.1.0"
