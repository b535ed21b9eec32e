from fastapi.testclient import TestClient


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
