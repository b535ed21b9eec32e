from fastapi.testclient import TestClient

from lojal.app import YOUNG_COLLECTION_THRESHOLD, freeze_startup_objects


def test_healthz_checks_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_every_request_body_in_openapi_has_an_example(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    bodies = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
                bodies += 1
                reference = content.get("schema", {}).get("$ref", "")
                named = schemas.get(reference.split("/")[-1], {}) if reference else {}
                assert "example" in content or "examples" in content or "examples" in named, (method, path, media_type)
    assert bodies >= 6


def test_unknown_path_answers_in_the_error_shape(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not Found", "field": None}}


def test_on_postgresql_the_thread_pool_is_as_large_as_the_connection_pool(postgres_engine, settings) -> None:  # type: ignore[no-untyped-def]
    """Sync endpoints beyond the connection pool would only open and close overflow connections."""
    import anyio.to_thread

    from lojal.app import create_app

    app = create_app(settings.model_copy(update={"database_pool_size": 7}), engine=postgres_engine)

    async def tokens_while_serving() -> float:
        async with app.router.lifespan_context(app):
            return anyio.to_thread.current_default_thread_limiter().total_tokens

    assert anyio.run(tokens_while_serving) == 7


def test_put_answers_from_one_transaction(client: TestClient, shop, session_factory) -> None:  # type: ignore[no-untyped-def]
    """The answer is read before the commit: one transaction, and the same body GET gives."""
    from sqlalchemy import event

    from tests.fixtures.api import auth

    order = {"customer": {"external_id": "c-1", "email": "kari@example.no"}, "placed_at": "2026-03-14T18:22:05+01:00",
             "currency": "NOK", "status": "paid", "subtotal": 7980, "total": 7980,
             "lines": [{"sku": "KF-4-100", "quantity": 2, "unit_price": 3990, "total": 7980}]}
    client.put("/api/v1/orders/o-0", json=order, headers=auth(shop.ingest_key))  # the key is checked and cached
    connection = session_factory.kw["bind"]
    transactions = []
    listener = lambda *arguments: transactions.append("savepoint")  # noqa: E731
    event.listen(connection, "savepoint", listener)
    try:
        created = client.put("/api/v1/orders/o-1", json=order, headers=auth(shop.ingest_key))
    finally:
        event.remove(connection, "savepoint", listener)
    assert created.status_code == 201 and transactions == ["savepoint"]
    assert created.json() == client.get("/api/v1/orders/o-1", headers=auth(shop.read_key)).json()


def test_startup_objects_are_frozen_and_garbage_is_not() -> None:
    import gc
    import weakref

    class Node:
        pass

    cycle = Node()
    cycle.itself = cycle  # type: ignore[attr-defined]
    gone = weakref.ref(cycle)
    del cycle
    kept = Node()
    thresholds = gc.get_threshold()
    try:
        freeze_startup_objects()
        assert gc.get_threshold()[0] == YOUNG_COLLECTION_THRESHOLD
        assert gone() is None  # collected first, not frozen
        assert gc.get_freeze_count() > 0
        assert not any(item is kept for item in gc.get_objects())  # out of the collector's sight
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
