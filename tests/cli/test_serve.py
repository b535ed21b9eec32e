"""`lojal serve` chooses its web processes and worker by database (uvicorn itself is not started)."""

import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lojal.cli.main import app
from lojal.config import get_settings
from tests.fixtures.database import POSTGRES_URL, SKIP_POSTGRES

runner = CliRunner()


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda application, **options: calls.append(options))
    monkeypatch.setenv("LOJAL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LOJAL_IN_PROCESS_WORKER", "0")
    yield calls
    get_settings.cache_clear()


def serve(url: str, monkeypatch: pytest.MonkeyPatch, *arguments: str) -> Any:
    monkeypatch.setenv("LOJAL_DATABASE_URL", url)
    get_settings.cache_clear()
    return runner.invoke(app, ["serve", *arguments])


def test_on_sqlite_one_process_with_the_worker_inside(started: list[dict[str, Any]], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    result = serve(f"sqlite:///{tmp_path / 'serve.sqlite'}", monkeypatch)
    assert result.exit_code == 0, result.output
    assert started[0]["workers"] == 1 and os.environ["LOJAL_IN_PROCESS_WORKER"] == "1"


def test_on_postgresql_one_process_per_two_cores_up_to_four_by_default(started: list[dict[str, Any]],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    if not POSTGRES_URL:
        pytest.skip(SKIP_POSTGRES)
    for cores in (1, 2, 5, 64):
        monkeypatch.setattr(os, "cpu_count", lambda cores=cores: cores)
        assert serve(POSTGRES_URL, monkeypatch, "--no-migrate").exit_code == 0
    assert serve(POSTGRES_URL, monkeypatch, "--no-migrate", "--workers", "5").exit_code == 0
    assert [call["workers"] for call in started] == [1, 1, 2, 4, 5]
    assert os.environ["LOJAL_IN_PROCESS_WORKER"] == "0"
