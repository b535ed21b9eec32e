"""RFM: recency, frequency and monetary scores 1..5 per customer as of an instant, and the named
segments in common use.

Measures, over the orders placed before ``as_of`` (``as_of`` itself excluded):
- recency_days: whole days from the customer's last order to ``as_of``;
- frequency: number of orders;
- monetary: net revenue (amount - refunded), summed.

Scores, by quintiles of the customers' mid-rank: for a measure, with n customers, a customer
with w customers strictly worse than them and t customers tied with them (themselves included)
sits at p = (w + t / 2) / n, and scores 1 + floor(5 p), at most 5. Worse means an older last
order (recency is ranked on the exact time of the last order, not on whole days), a lower
frequency, a lower monetary value, so a more recent customer scores higher. Equal values
always get equal scores, whatever the order of the rows; with no ties each quintile holds a fifth
of the customers; one customer alone, or all customers tied, score 3.

Segments, from R and FM = the average of F and M rounded half up (the widely used R x F grid of
the RFM literature with F replaced by FM, and "lost" split from "hibernating" as its lowest row):

    FM:    1              2              3              4           5
    R=5    new            potential      potential      champions   champions
    R=4    promising      potential      potential      loyal       loyal
    R=3    about to sleep about to sleep need attention loyal       loyal
    R=2    hibernating    hibernating    at risk        at risk     can't lose them
    R=1    lost           lost           at risk        at risk     can't lose them

("potential" = potential loyalists.)
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from lojal.analytics.order_frame import Transactions, prepare_orders
from lojal.analytics.periods import Moment, to_instant

SEGMENTS: dict[str, str] = {
    "champions": "Champions",
    "loyal": "Loyal",
    "potential_loyalists": "Potential loyalists",
    "new": "New customers",
    "promising": "Promising",
    "need_attention": "Need attention",
    "about_to_sleep": "About to sleep",
    "at_risk": "At risk",
    "cant_lose_them": "Can't lose them",
    "hibernating": "Hibernating",
    "lost": "Lost",
}

# SEGMENT_GRID[recency_score][frequency_monetary_score - 1]
SEGMENT_GRID: dict[int, tuple[str, str, str, str, str]] = {
    5: ("new", "potential_loyalists", "potential_loyalists", "champions", "champions"),
    4: ("promising", "potential_loyalists", "potential_loyalists", "loyal", "loyal"),
    3: ("about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"),
    2: ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose_them"),
    1: ("lost", "lost", "at_risk", "at_risk", "cant_lose_them"),
}

RFM_SCHEMA_NAMES = (
    "customer_id", "last_order_at", "recency_days", "frequency", "monetary", "recency_score",
    "frequency_score", "monetary_score", "frequency_monetary_score", "rfm", "segment",
)


def segment_of(recency_score: int, frequency_monetary_score: int) -> str:
    """The segment key of one cell of the grid."""
    return SEGMENT_GRID[recency_score][frequency_monetary_score - 1]


def quintile_score(values: pl.Expr, higher_is_better: bool = True) -> pl.Expr:
    """1..5 by quintiles of the mid-rank (see the module docstring), exact in integers:
    1 + floor(5 (min_rank + max_rank - 1) / (2 n)) with ranks from worst to best."""
    ranked = values if higher_is_better else -values
    low = ranked.rank("min").cast(pl.Int64)
    high = ranked.rank("max").cast(pl.Int64)
    return ((5 * (low + high - 1)) // (2 * pl.len()) + 1).clip(1, 5).cast(pl.Int8)


def rfm_scores(transactions: Transactions, as_of: Moment, *,
               customer_ids: Iterable[object] | None = None) -> pl.DataFrame:
    """One row per customer with an order before ``as_of``: the measures, the three scores,
    frequency_monetary_score, the code "RFM" (e.g. "545") and the segment key, sorted by
    customer_id."""
    orders = prepare_orders(transactions, customer_ids)
    cutoff = to_instant(as_of, orders.time_zone)
    net = (pl.col("amount") - pl.col("refunded")).sum() if orders.has_amount else pl.lit(0, pl.Int64)
    measures = orders.frame.lazy().filter(pl.col("placed_at") < cutoff).group_by("customer_id").agg(
        last_order_at=pl.col("placed_at").max(),
        frequency=pl.len().cast(pl.Int64),
        monetary=net,
    ).with_columns(recency_days=(pl.lit(cutoff) - pl.col("last_order_at")).dt.total_days())
    scored = measures.with_columns(
        recency_score=quintile_score(pl.col("last_order_at").dt.epoch("us")),
        frequency_score=quintile_score(pl.col("frequency")),
        monetary_score=quintile_score(pl.col("monetary")),
    ).with_columns(
        # Round half up: (F + M + 1) // 2.
        frequency_monetary_score=((pl.col("frequency_score") + pl.col("monetary_score") + 1) // 2).cast(pl.Int8),
    )
    return scored.with_columns(
        rfm=pl.concat_str(pl.col("recency_score", "frequency_score", "monetary_score").cast(pl.String)),
        segment=_segment_expression(),
    ).select(RFM_SCHEMA_NAMES).sort("customer_id").collect()


def segment_summary(scores: pl.DataFrame) -> pl.DataFrame:
    """Per segment, in the order of ``SEGMENTS`` and including empty ones: its label, customers,
    share of customers, monetary (net revenue) and share of it."""
    counts = scores.group_by("segment").agg(customers=pl.len().cast(pl.Int64), monetary=pl.col("monetary").sum())
    total_customers = scores.height
    total_monetary = scores.get_column("monetary").sum() if scores.height else 0
    all_segments = pl.DataFrame({"segment": list(SEGMENTS), "label": list(SEGMENTS.values())})
    summary = all_segments.join(counts, on="segment", how="left", maintain_order="left").with_columns(
        pl.col("customers").fill_null(0), pl.col("monetary").fill_null(0))
    return summary.with_columns(
        customer_share=(pl.col("customers") / total_customers) if total_customers else pl.lit(None, pl.Float64),
        monetary_share=(pl.col("monetary") / total_monetary) if total_monetary else pl.lit(None, pl.Float64),
    ).select("segment", "label", "customers", "customer_share", "monetary", "monetary_share")


def _segment_expression() -> pl.Expr:
    cells = pl.col("recency_score").cast(pl.Int64) * 10 + pl.col("frequency_monetary_score").cast(pl.Int64)
    mapping = {recency * 10 + column + 1: segment
               for recency, row in SEGMENT_GRID.items() for column, segment in enumerate(row)}
    return cells.replace_strict(mapping, return_dtype=pl.String)
