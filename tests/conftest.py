from tests.fixtures.api import _fresh_key_cache, app, client, other_shop, settings, shop  # noqa: F401
from tests.fixtures.database import (  # noqa: F401
    _engine_cache,
    committed_engine,
    db,
    engine,
    postgres_engine,
    session_factory,
)
