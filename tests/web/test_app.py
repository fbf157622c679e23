"""The web app: health of each backend, JSON errors, body cap."""

from __future__ import annotations

from flask import Flask

from hub.web.app import create_app


def test_healthz_reports_database_and_broker(make_settings, database_url: str, broker_url: str) -> None:  # type: ignore[no-untyped-def]
    client = create_app(make_settings(database_url=database_url, broker_url=broker_url)).test_client()
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["database"]["revision"] == body["database"]["head"]
    assert body["broker"]["ok"]
    assert body["inbox"] == {"waiting": 0, "oldest_waiting_seconds": None, "failed": 0}
    assert "guest:guest" not in response.get_data(as_text=True)  # credentials never leave


def test_healthz_is_503_when_the_schema_is_not_migrated(make_settings, empty_database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(database_url=empty_database_url))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert "orderhub db upgrade" in response.get_json()["database"]["error"]


def test_healthz_is_503_when_the_broker_is_unreachable(make_settings, database_url: str) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(database_url=database_url, broker_url="amqp://guest:pw@127.0.0.1:1//"))
    response = app.test_client().get("/healthz")
    body = response.get_json()
    assert response.status_code == 503
    assert body["database"]["ok"] and not body["broker"]["ok"]
    assert "unreachable" in body["broker"]["error"] and ":pw@" not in body["broker"]["error"]


def _app_with_echo(make_settings) -> Flask:  # type: ignore[no-untyped-def]
    app = create_app(make_settings())

    @app.post("/echo")
    def echo() -> bytes:
        from flask import request

        return request.get_data()

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("internal detail that must not leak")

    return app


def test_errors_are_json(make_settings) -> None:  # type: ignore[no-untyped-def]
    client = _app_with_echo(make_settings).test_client()
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    wrong_method = client.delete("/healthz")
    assert wrong_method.status_code == 405 and wrong_method.get_json()["error"]["status"] == 405
    crash = client.get("/boom")
    assert crash.status_code == 500 and "internal detail" not in crash.get_data(as_text=True)


def test_body_over_the_cap_is_413(make_settings) -> None:  # type: ignore[no-untyped-def]
    client = _app_with_echo(make_settings).test_client()
    assert client.post("/echo", data=b"x" * 2048).status_code == 200
    too_big = client.post("/echo", data=b"x" * (1024 * 1024 + 1))
    assert too_big.status_code == 413 and too_big.get_json()["error"]["code"] == "request_entity_too_large"
