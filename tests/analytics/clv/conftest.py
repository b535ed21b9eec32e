from pathlib import Path

import numpy as np
import polars as pl
import pytest

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="session")
def cdnow_summary() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The published 39-week calibration summary of the CDNOW 1/10 sample (weeks)."""
    frame = pl.read_csv(DATA / "cdnow" / "cdnow_customers_summary.csv")
    return frame["frequency"].to_numpy().astype(float), frame["recency"].to_numpy(), frame["T"].to_numpy()
