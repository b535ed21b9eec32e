"""The CLI against a real SQLite file (commands commit for real, so each test has its own file)."""

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from lojal.cli.main import app
from lojal.config import get_settings
from lojal.db.engine import create_db_engine, make_session_factory
from lojal.models import AdminUser, ApiKey, Shop, ShopMembership

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("LOJAL_DATABASE_URL", url)
    monkeypatch.setenv("LOJAL_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def run(*arguments: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(arguments), input=input)


def test_upgrade_create_shop_key_and_user(database: str) -> None:
    assert run("db", "upgrade").exit_code == 0
    created = run("shop", "create", "Nordlys Sport", "--currency", "NOK")
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    assert key.startswith("lojal_")
    user = run("user", "create", "eier@nordlys.example", "--shop", "nordlys-sport", "--role", "owner",
               input="et-langt-passord\net-langt-passord\n")
    assert user.exit_code == 0, user.output
    with make_session_factory(create_db_engine(database))() as session:
        shop = session.scalars(select(Shop)).one()
        assert (shop.slug, shop.currency) == ("nordlys-sport", "NOK")
        api_key = session.scalars(select(ApiKey)).one()
        assert api_key.key_hash != key and key.split("_")[1] == api_key.prefix
        stored = session.scalars(select(AdminUser)).one()
        assert stored.password_hash.startswith("$argon2")
        assert session.scalars(select(ShopMembership.role)).one() == "owner"


def test_refusals_are_clear_and_exit_non_zero(database: str) -> None:
    run("db", "upgrade")
    run("shop", "create", "Nordlys Sport")
    again = run("shop", "create", "Nordlys Sport")
    assert again.exit_code == 1 and "exists already" in again.output
    bad_currency = run("shop", "create", "Andre", "--currency", "XYZ")
    assert bad_currency.exit_code != 0
    short = run("user", "create", "a@b.example", input="kort\nkort\n")
    assert short.exit_code == 1 and "10 characters" in short.output
    assert run("shop", "key-create", "no-such-shop").exit_code == 1


def test_keys_list_and_revoke(database: str) -> None:
    run("db", "upgrade")
    run("shop", "create", "Nordlys Sport")
    listed = run("shop", "keys", "nordlys-sport")
    with make_session_factory(create_db_engine(database))() as session:
        prefix = session.scalars(select(ApiKey.prefix)).one()
    assert listed.exit_code == 0 and prefix in listed.output
    revoked = run("shop", "key-revoke", "nordlys-sport", "1")
    assert revoked.exit_code == 0, revoked.output
    with make_session_factory(create_db_engine(database))() as session:
        assert session.scalars(select(ApiKey.revoked_at)).one() is not None
