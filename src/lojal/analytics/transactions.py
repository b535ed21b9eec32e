"""Transactions files into per-customer purchase summaries for the CLV models.

A transactions file has one row per purchase (or order line) with a customer, a date and
optionally an amount. CSV (separated by ``,``, ``;``, tab or runs of spaces) and Parquet are read.
Columns are named, or given as 1-based positions ("2") for files without a header line.

The summary follows the customer-base-analysis literature (and lifetimes):
- several purchases by one customer on one day are one transaction (amounts summed);
- ``frequency`` = purchase days after the first one (repeat transactions);
- ``recency`` = time from the first to the last purchase day; ``T`` = from the first purchase
  day to the end of observation; both in days or weeks (7 days);
- ``monetary_value`` = mean value of the repeat transactions (the first is left out, as the
  Gamma-Gamma model requires); null for customers without a repeat purchase.
Purchases after the end of observation are ignored; customers who first bought after it do not
appear."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from lojal.errors import ValidationFailed

DAYS_PER_UNIT = {"day": 1, "week": 7}
COMPACT_DATE = r"^\d{8}$"


@dataclass(frozen=True)
class TransactionColumns:
    customer: str
    date: str
    amount: str | None = None

    def requested(self) -> list[str]:
        return [name for name in (self.customer, self.date, self.amount) if name is not None]

    def by_position(self) -> bool:
        return all(name.isdigit() for name in self.requested())


def read_transactions(path: str | Path, columns: TransactionColumns, *, date_format: str | None = None) -> pl.DataFrame:
    """A frame with ``customer_id`` (text), ``date`` (Date) and, if asked for, ``amount`` (Float64)."""
    path = Path(path)
    if not path.is_file():
        raise ValidationFailed(f"no such file: {path}", field="file")
    if path.suffix.lower() in (".parquet", ".pq"):
        raw = _select_columns(pl.scan_parquet(path), columns, path).collect()
    else:
        raw = _read_text(path, columns)
    return _normalise(raw, columns, date_format)


def _select_columns(frame: pl.LazyFrame, columns: TransactionColumns, path: Path) -> pl.LazyFrame:
    available = frame.collect_schema().names()
    chosen = []
    for role, name in (("customer_id", columns.customer), ("date", columns.date), ("amount", columns.amount)):
        if name is None:
            continue
        if name.isdigit() and name not in available:
            position = int(name)
            if not 1 <= position <= len(available):
                raise ValidationFailed(f"{path.name} has {len(available)} columns, no column {position}", field=role)
            name = available[position - 1]
        if name not in available:
            raise ValidationFailed(f"{path.name} has no column {name!r} (columns: {', '.join(available)})", field=role)
        chosen.append(pl.col(name).alias(role))
    return frame.select(chosen)


def _read_text(path: Path, columns: TransactionColumns) -> pl.DataFrame:
    with path.open("rb") as handle:
        first_line = handle.readline().decode("utf-8", errors="replace")
    separator = next((candidate for candidate in (",", ";", "\t") if candidate in first_line), None)
    has_header = not columns.by_position()
    if separator is None:
        return _select_columns(_whitespace_separated(path, has_header), columns, path).collect()
    lazy = pl.scan_csv(path, separator=separator, has_header=has_header, infer_schema=False,
                       truncate_ragged_lines=True)
    return _select_columns(lazy, columns, path).collect()


def _whitespace_separated(path: Path, has_header: bool) -> pl.LazyFrame:
    """Columns separated by runs of spaces (the CDNOW files): split each stripped line."""
    lines = pl.read_csv(path, has_header=False, separator="\x1f", quote_char=None, new_columns=["line"],
                        infer_schema=False).lazy()
    fields = (lines.select(pl.col("line").str.strip_chars().str.replace_all(r"\s+", " ").str.split(" "))
              .filter(pl.col("line").list.len() > 0).collect())
    width = int(fields["line"].list.len().max() or 0)
    names = [f"column_{index + 1}" for index in range(width)]
    if has_header:
        names = [str(value) for value in fields["line"][0].to_list()] + names[len(fields["line"][0]):]
        fields = fields.slice(1)
    return fields.lazy().select(pl.col("line").list.get(index, null_on_oob=True).alias(name)
                                for index, name in enumerate(names))


def _normalise(raw: pl.DataFrame, columns: TransactionColumns, date_format: str | None) -> pl.DataFrame:
    customer = pl.col("customer_id")
    if raw["customer_id"].dtype == pl.String:
        customer = customer.str.strip_chars()
    elif not raw["customer_id"].dtype.is_integer():
        customer = customer.cast(pl.String)
    expressions = [customer, _date_expression(raw, date_format)]
    if columns.amount is not None:
        expressions.append(_amount_expression(raw["amount"].dtype))
    frame = raw.with_columns(expressions)
    _refuse_unparsed(raw, frame, "date", f"format {date_format}" if date_format else "a recognised date format")
    if columns.amount is not None:
        _refuse_unparsed(raw, frame, "amount", "a number")
    missing = frame["customer_id"].is_null()
    if frame["customer_id"].dtype == pl.String:
        missing = missing | (frame["customer_id"] == "")
    if missing.any():
        raise ValidationFailed(f"row {int(missing.arg_true()[0]) + 1} has no customer", field="customer_id")
    return frame


def _date_expression(raw: pl.DataFrame, date_format: str | None) -> pl.Expr:
    dtype = raw["date"].dtype
    column = pl.col("date")
    if dtype == pl.Date:
        return column
    if isinstance(dtype, pl.Datetime):
        return column.dt.date()
    text = column.cast(pl.String).str.strip_chars()
    if date_format:
        return text.str.to_datetime(date_format, strict=False).dt.date().alias("date")
    return (pl.when(text.str.contains(COMPACT_DATE)).then(text.str.to_date("%Y%m%d", strict=False))
            .otherwise(text.str.slice(0, 10).str.to_date(strict=False)).alias("date"))


def _amount_expression(dtype: pl.DataType) -> pl.Expr:
    if dtype.is_numeric():
        return pl.col("amount").cast(pl.Float64)
    text = pl.col("amount").str.strip_chars().str.replace_all(r"[ \u00a0]", "")
    # A decimal comma ("12,50") when there is no decimal point.
    text = pl.when(text.str.contains(r"^-?\d+,\d+$")).then(text.str.replace(",", ".")).otherwise(text)
    return text.cast(pl.Float64, strict=False).alias("amount")


def _refuse_unparsed(raw: pl.DataFrame, frame: pl.DataFrame, column: str, expected: str) -> None:
    """Name the first row whose value is missing or could not be read (rows counted from 1)."""
    missing = frame[column].is_null()
    if not missing.any():
        return
    unreadable = missing & raw[column].is_not_null()
    if not unreadable.any():
        raise ValidationFailed(f"row {int(missing.arg_true()[0]) + 1} has no {column}", field=column)
    rows = unreadable.arg_true()
    value = raw[column][int(rows[0])]
    raise ValidationFailed(f"row {int(rows[0]) + 1}: cannot read {value!r} in column {column} as {expected} "
                           f"({rows.len()} rows fail)", field=column)


def customer_summary(transactions: pl.DataFrame | pl.LazyFrame, *, observation_end: date | None = None,
                     time_unit: str = "day") -> pl.DataFrame:
    """One row per customer: customer_id, frequency, recency, T, monetary_value (when there is an
    amount), first_purchase, last_purchase."""
    lazy = transactions.lazy()
    end = observation_end or _last_date(lazy)
    divisor = _divisor(time_unit)
    has_amount = "amount" in lazy.collect_schema().names()
    if isinstance(transactions, pl.DataFrame):
        summary = _summarise_integer_customers(transactions, end, divisor, has_amount)
        if summary is not None:
            return summary
    return _summarise(lazy.filter(pl.col("date") <= end), end, divisor, has_amount).collect()


def calibration_and_holdout(transactions: pl.DataFrame | pl.LazyFrame, *, calibration_end: date,
                            observation_end: date | None = None, time_unit: str = "day") -> pl.DataFrame:
    """The summary up to ``calibration_end`` for customers who first bought by then, joined with
    what they did after it up to ``observation_end``: frequency_holdout (purchase days),
    monetary_value_holdout (mean value of those) and duration_holdout (in the time unit)."""
    lazy = transactions.lazy()
    end = observation_end or _last_date(lazy)
    if calibration_end >= end:
        raise ValidationFailed(f"the calibration end {calibration_end} must be before the end of observation {end}",
                               field="calibration_end")
    divisor = _divisor(time_unit)
    has_amount = "amount" in lazy.collect_schema().names()
    calibration = _summarise(lazy.filter(pl.col("date") <= calibration_end), calibration_end, divisor, has_amount)
    holdout_aggregates = [pl.col("date").n_unique().alias("frequency_holdout")]
    if has_amount:
        holdout_aggregates.append((pl.col("amount").sum() / pl.col("date").n_unique()).alias("monetary_value_holdout"))
    holdout = (lazy.filter((pl.col("date") > calibration_end) & (pl.col("date") <= end))
               .group_by("customer_id").agg(holdout_aggregates))
    joined = calibration.join(holdout, on="customer_id", how="left").with_columns(
        pl.col("frequency_holdout").fill_null(0).cast(pl.Int64),
        pl.lit((end - calibration_end).days / divisor).alias("duration_holdout"))
    return joined.collect()


def _divisor(time_unit: str) -> int:
    if time_unit not in DAYS_PER_UNIT:
        raise ValidationFailed("time unit must be 'day' or 'week'", field="time_unit")
    return DAYS_PER_UNIT[time_unit]


def _last_date(lazy: pl.LazyFrame) -> date:
    last = lazy.select(pl.col("date").max()).collect().item()
    if last is None:
        raise ValidationFailed("the transactions file has no purchases", field="file")
    return last


def _summarise(transactions: pl.LazyFrame, end: date, divisor: int, has_amount: bool) -> pl.LazyFrame:
    """One pass over the transactions grouped by customer (no intermediate (customer, day) frame:
    purchase days are the distinct dates, the first purchase day's amount is the sum over rows on
    the first date)."""
    first_date = pl.col("date").min()
    aggregates = [first_date.alias("first_purchase"), pl.col("date").max().alias("last_purchase"),
                  (pl.col("date").n_unique() - 1).cast(pl.Int64).alias("frequency")]
    if has_amount:
        first_day_amount = pl.col("amount").filter(pl.col("date") == first_date).sum()
        aggregates.append((pl.col("amount").sum() - first_day_amount).alias("repeat_amount"))
    summary = transactions.group_by("customer_id").agg(aggregates).with_columns(
        ((pl.col("last_purchase") - pl.col("first_purchase")).dt.total_days() / divisor).alias("recency"),
        ((pl.lit(end) - pl.col("first_purchase")).dt.total_days() / divisor).alias("T"))
    columns = ["customer_id", "frequency", "recency", "T"]
    if has_amount:
        summary = summary.with_columns(
            pl.when(pl.col("frequency") > 0).then(pl.col("repeat_amount") / pl.col("frequency")).alias("monetary_value"))
        columns.append("monetary_value")
    return summary.select([*columns, "first_purchase", "last_purchase"])


MAX_PACKED_KEY = 2**62


def _summarise_integer_customers(transactions: pl.DataFrame, end: date, divisor: int,
                                 has_amount: bool) -> pl.DataFrame | None:
    """``_summarise`` for integer customer ids that are dense enough to index arrays (0 <= id <
    4 x rows + 1024), without a group-by: every row becomes one int64 key id x span + day, one sort
    of the keys gives the distinct purchase days (runs of equal keys) and per customer the first
    and last day and their number (runs of equal ids); amounts are summed per customer by id
    (``bincount``), and the first day's amount over the rows whose day is their customer's first.
    The same result as ``_summarise`` (rows ordered by customer id); None when it does not apply."""
    frame = transactions.select(["customer_id", "date", *(["amount"] if has_amount else [])])
    if not frame.schema["customer_id"].is_integer() or frame.schema["date"] != pl.Date:
        return None
    last_date = frame["date"].max()
    if last_date is None:
        return None
    if last_date > end:  # type: ignore[operator]
        frame = frame.filter(pl.col("date") <= end)
    if frame.height == 0 or any(frame[name].null_count() for name in frame.columns):
        return None
    ids = frame["customer_id"].to_numpy()
    smallest, largest = int(ids.min()), int(ids.max())
    days = frame["date"].to_physical().to_numpy()
    first_day, last_day = int(days.min()), int(days.max())
    span = last_day - first_day + 1
    if smallest < 0 or largest >= 4 * frame.height + 1024 or (largest + 1) * span >= MAX_PACKED_KEY:
        return None
    # Fewer and smaller temporaries: int32 keys when they fit, built and sorted in place.
    key_type = np.int32 if (largest + 1) * span < 2**31 else np.int64
    keys = ids.astype(key_type)
    keys *= span
    keys += days.astype(key_type)
    keys -= first_day
    keys.sort()
    distinct_day_keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    del keys
    customer_of_day = distinct_day_keys // span
    starts = np.flatnonzero(np.concatenate(([True], customer_of_day[1:] != customer_of_day[:-1])))
    ends = np.append(starts[1:], distinct_day_keys.size) - 1
    customers = customer_of_day[starts].astype(np.int64)
    first = (distinct_day_keys[starts] - customer_of_day[starts] * span + first_day).astype(np.int32)
    last = (distinct_day_keys[ends] - customer_of_day[starts] * span + first_day).astype(np.int32)
    frequency = np.diff(np.append(starts, distinct_day_keys.size)) - 1
    end_day = (end - date(1970, 1, 1)).days
    columns = {
        "customer_id": pl.Series(customers).cast(frame.schema["customer_id"]),
        "frequency": frequency.astype(np.int64),
        "recency": (last - first) / divisor,
        "T": (end_day - first) / divisor,
    }
    if has_amount:
        amounts = frame["amount"].to_numpy()
        total = np.bincount(ids, weights=amounts, minlength=largest + 1)[customers]
        first_by_id = np.zeros(largest + 1, dtype=np.int32)
        first_by_id[customers] = first
        first_day_amount = np.bincount(ids, weights=np.where(days == first_by_id[ids], amounts, 0.0),
                                       minlength=largest + 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_repeat = np.where(frequency > 0, (total - first_day_amount[customers]) / frequency, np.nan)
        columns["monetary_value"] = pl.Series(mean_repeat).fill_nan(None)
    columns["first_purchase"] = pl.Series(first).cast(pl.Date)
    columns["last_purchase"] = pl.Series(last).cast(pl.Date)
    return pl.DataFrame(columns)
