"""``lojal analytics run --shop S`` against a real SQLite file (the command commits for real)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from lojal.cli.main import app
from lojal.config import get_settings
from lojal.db.engine import create_db_engine, make_session_factory
from lojal.db.migrate import upgrade
from lojal.models import AnalyticsRun
from lojal.shops.schemas import ShopIn
from lojal.shops.service import create_shop


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("LOJAL_DATABASE_URL", url)
    monkeypatch.setenv("LOJAL_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _with_shop(database: str) -> Engine:
    """The migrated database with the shop "Nordlys Sport" (slug nordlys-sport)."""
    engine = create_db_engine(database)
    upgrade(engine)
    with make_session_factory(engine)() as session:
        create_shop(session, ShopIn(name="Nordlys Sport", currency="NOK"))
        session.commit()
    return engine


def test_run_prints_a_summary_and_stores_the_run(database: str) -> None:
    engine = _with_shop(database)
    result = CliRunner().invoke(app, ["analytics", "run", "--shop", "nordlys-sport"])
    assert result.exit_code == 0, result.output
    assert "insufficient_data" in result.output
    assert "writing predictions" in result.output and "done in" in result.output
    with make_session_factory(engine)() as session:
        assert session.execute(select(AnalyticsRun.status, AnalyticsRun.message)).all() == [
            ("insufficient_data", "no customers to fit the model on")]
    unknown = CliRunner().invoke(app, ["analytics", "run", "--shop", "nowhere"])
    assert unknown.exit_code == 1


def test_models_option_refuses_an_unknown_model_before_any_work(database: str) -> None:
    engine = _with_shop(database)
    refused = CliRunner().invoke(app, ["analytics", "run", "--shop", "nordlys-sport", "--models", "bg-nbd,nbd"])
    assert refused.exit_code != 0 and "unknown model 'nbd'" in refused.output
    accepted = CliRunner().invoke(app, ["analytics", "run", "--shop", "nordlys-sport",
                                        "--models", "bg-nbd,mbg-nbd,pareto-nbd"])
    assert accepted.exit_code == 0, accepted.output
    with make_session_factory(engine)() as session:
        assert session.execute(select(AnalyticsRun.status)).scalars().all() == ["insufficient_data"]
