from datetime import date
from pathlib import Path

import polars as pl
import pytest

from lojal.analytics.transactions import (
    TransactionColumns,
    calibration_and_holdout,
    customer_summary,
    read_transactions,
)
from lojal.errors import ValidationFailed

COLUMNS = TransactionColumns("customer", "day", "total")


def write(tmp_path: Path, text: str, name: str = "orders.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_several_purchases_on_one_day_are_one_transaction(tmp_path: Path) -> None:
    path = write(tmp_path, "customer,day,total\nA,2024-01-01,10\nA,2024-01-01,5\nA,2024-01-08,20\n"
                           "A,2024-01-15,30\nA,2024-01-15,10\nB,2024-01-10,7\n")
    summary = customer_summary(read_transactions(path, COLUMNS), observation_end=date(2024, 1, 29)).sort("customer_id")
    assert summary.select("customer_id", "frequency", "recency", "T", "monetary_value").rows() == [
        ("A", 2, 14.0, 28.0, 30.0),  # repeat days 8 (20) and 15 (30 + 10): mean 30, first day left out
        ("B", 0, 0.0, 19.0, None),
    ]
    weekly = customer_summary(read_transactions(path, COLUMNS), observation_end=date(2024, 1, 29), time_unit="week")
    assert weekly.sort("customer_id")["T"].to_list() == [4.0, 19 / 7]


def test_observation_end_drops_later_purchases_and_later_customers(tmp_path: Path) -> None:
    path = write(tmp_path, "customer;day;total\nA;2024-01-01;10\nA;2024-03-01;5\nC;2024-02-15;1\n")
    summary = customer_summary(read_transactions(path, COLUMNS), observation_end=date(2024, 2, 1))
    assert summary.select("customer_id", "frequency", "T").rows() == [("A", 0, 31.0)]


def test_calibration_and_holdout(tmp_path: Path) -> None:
    path = write(tmp_path, "customer,day,total\nA,2024-01-01,10\nA,2024-01-05,10\nA,2024-02-03,8\nA,2024-02-03,4\n"
                           "A,2024-02-10,6\nB,2024-01-20,5\nC,2024-02-05,9\n")
    split = calibration_and_holdout(read_transactions(path, COLUMNS), calibration_end=date(2024, 1, 31),
                                    observation_end=date(2024, 3, 1)).sort("customer_id")
    assert split.select("customer_id", "frequency", "recency", "T", "frequency_holdout", "monetary_value_holdout",
                        "duration_holdout").rows() == [
        ("A", 1, 4.0, 30.0, 2, 9.0, 30.0),
        ("B", 0, 0.0, 11.0, 0, None, 30.0),
    ]
    with pytest.raises(ValidationFailed, match="must be before"):
        calibration_and_holdout(read_transactions(path, COLUMNS), calibration_end=date(2024, 3, 1))


def test_formats_separators_positions_and_parquet(tmp_path: Path) -> None:
    spaced = write(tmp_path, " 0001 19970101  2   29.33\n 0001 19970118  1  1,50\n 0002 19970102 1 3\n", "cdnow.txt")
    frame = read_transactions(spaced, TransactionColumns("1", "2", "4"))
    assert frame.rows() == [("0001", date(1997, 1, 1), 29.33), ("0001", date(1997, 1, 18), 1.5),
                            ("0002", date(1997, 1, 2), 3.0)]
    european = write(tmp_path, "kunde\tdato\tbeløp\n7\t03.02.2024\t12,50\n", "norsk.tsv")
    read = read_transactions(european, TransactionColumns("kunde", "dato", "beløp"), date_format="%d.%m.%Y")
    assert read.rows() == [("7", date(2024, 2, 3), 12.5)]
    parquet = tmp_path / "orders.parquet"
    pl.DataFrame({"id": [5, 6], "at": [date(2024, 1, 1), date(2024, 1, 2)], "sum": [1.0, 2.0]}).write_parquet(parquet)
    from_parquet = read_transactions(parquet, TransactionColumns("id", "at", "sum"))
    assert from_parquet.rows() == [(5, date(2024, 1, 1), 1.0), (6, date(2024, 1, 2), 2.0)]


def test_clear_errors_name_the_column_and_the_row(tmp_path: Path) -> None:
    path = write(tmp_path, "customer,day,total\nA,2024-01-01,10\nB,yesterday,5\n")
    with pytest.raises(ValidationFailed, match="row 2: cannot read 'yesterday' in column date") as refused:
        read_transactions(path, COLUMNS)
    assert refused.value.field == "date"
    with pytest.raises(ValidationFailed, match="no column 'amount'") as missing:
        read_transactions(path, TransactionColumns("customer", "day", "amount"))
    assert missing.value.field == "amount"
    bad_amount = write(tmp_path, "customer,day,total\nA,2024-01-01,ten\n", "bad.csv")
    with pytest.raises(ValidationFailed, match="'ten' in column amount"):
        read_transactions(bad_amount, COLUMNS)
    no_customer = write(tmp_path, "customer,day,total\n,2024-01-01,1\n", "nocustomer.csv")
    with pytest.raises(ValidationFailed, match="row 1 has no customer"):
        read_transactions(no_customer, COLUMNS)
    with pytest.raises(ValidationFailed, match="no such file"):
        read_transactions(tmp_path / "missing.csv", COLUMNS)
    with pytest.raises(ValidationFailed, match="time unit"):
        customer_summary(read_transactions(path.with_name("bad.csv"), TransactionColumns("customer", "day")),
                         time_unit="month")


def test_integer_customer_ids_take_the_sorting_path_with_the_same_summary() -> None:
    """Integer ids (dense enough to index arrays) are summarised by one sort of packed
    (customer, day) keys; the result equals the group-by's, in customer order."""
    frame = pl.DataFrame({
        "customer_id": [7, 7, 7, 7, 7, 3, 12, 12, 3, 0],
        "date": [date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 8), date(2024, 1, 15), date(2024, 1, 15),
                 date(2024, 1, 10), date(2024, 1, 20), date(2024, 3, 1), date(2024, 1, 10), date(2024, 1, 28)],
        "amount": [10.0, 5.0, 20.0, 30.0, 10.0, 7.0, 4.0, 9.0, 2.0, 1.0],
    })
    for unit in ("day", "week"):
        fast = customer_summary(frame, observation_end=date(2024, 1, 29), time_unit=unit)
        general = customer_summary(frame.lazy(), observation_end=date(2024, 1, 29), time_unit=unit)
        general = general.sort("customer_id")
        assert fast.schema == general.schema
        for name in fast.columns:  # divisions by 7 may differ in the last bit between the two
            if fast[name].dtype == pl.Float64:
                assert fast[name].is_null().to_list() == general[name].is_null().to_list()
                assert fast[name].drop_nulls().to_list() == pytest.approx(general[name].drop_nulls().to_list(),
                                                                          rel=1e-15)
            else:
                assert fast[name].to_list() == general[name].to_list()
    assert customer_summary(frame, observation_end=date(2024, 1, 29)).select(
        "customer_id", "frequency", "recency", "T", "monetary_value").rows() == [
        (0, 0, 0.0, 1.0, None),
        (3, 0, 0.0, 19.0, None),  # two purchases on one day: one transaction
        (7, 2, 14.0, 28.0, 30.0),  # repeat days 8 (20) and 15 (30 + 10)
        (12, 0, 0.0, 9.0, None),  # the purchase of 1 March is after the end
    ]


def test_sparse_or_negative_integer_ids_fall_back_to_the_group_by() -> None:
    frame = pl.DataFrame({"customer_id": [-5, 10**12, 10**12], "date": [date(2024, 1, 1)] * 2 + [date(2024, 1, 9)],
                          "amount": [1.0, 2.0, 3.0]})
    summary = customer_summary(frame, observation_end=date(2024, 1, 10)).sort("customer_id")
    assert summary.select("customer_id", "frequency", "recency", "monetary_value").rows() == [
        (-5, 0, 0.0, None), (10**12, 1, 8.0, 3.0)]
