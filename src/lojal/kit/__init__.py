"""Small, domain-free building blocks: money, time, crypto, pagination."""
