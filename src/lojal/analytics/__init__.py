"""Analytics: whether retention works. Metrics over periods and customer subsets, cohorts, RFM,
and predictive customer lifetime value.

``transactions`` turns a transactions file into per-customer summaries; ``clv`` holds the pure
probability models (BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma, shifted-beta-geometric)."""
