"""The web app: health of each backend, JSON errors, body cap."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from hub.web.app import create_app
from hub.web.body import read_body


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


def _identifying(url: str) -> list[str]:
    """What a URL gives away about where and who: host, port, user, password, database name or file path."""
    parsed = make_url(url.replace("sqla+", "", 1))
    user = f"{parsed.username}:" if parsed.username else None  # as in a URL ("postgres" alone is a backend)
    parts = [parsed.host, user, parsed.password, parsed.database, f":{parsed.port}" if parsed.port else None]
    return [part for part in parts if part and part not in ("/", "//")]


def test_healthz_shows_no_url_path_or_credentials(make_settings, database_url: str, broker_url: str) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(database_url=database_url, broker_url=broker_url)
    response = create_app(settings).test_client().get("/healthz")
    text = response.get_data(as_text=True)
    for part in [*_identifying(database_url), *_identifying(broker_url), str(settings.data_dir)]:
        assert part not in text, f"/healthz shows {part!r}: {text}"
    body = response.get_json()
    assert body["database"]["backend"] == ("sqlite" if database_url.startswith("sqlite") else "postgresql")
    assert body["broker"]["backend"] == ("embedded" if broker_url.startswith("sqla+") else "rabbitmq")


@pytest.mark.parametrize(
    "unreachable",
    [
        {"database_url": "postgresql://orders_admin:pw-4417@db-internal.example:5439/orders_prod"},
        {"broker_url": "amqp://mq_admin:pw-4417@mq-internal.example:5679/orders_vhost"},
    ],
)
def test_healthz_errors_show_no_host_or_user(make_settings, unreachable: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    response = create_app(make_settings(**unreachable)).test_client().get("/healthz")
    text = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "unreachable" in text
    for part in _identifying(next(iter(unreachable.values()))):
        assert part not in text, f"/healthz shows {part!r}: {text}"


def _app_with_echo(make_settings) -> Flask:  # type: ignore[no-untyped-def]
    app = create_app(make_settings())

    @app.post("/echo")
    def echo() -> bytes:
        return read_body()

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


def test_a_body_without_length_is_read_whole_or_refused_never_cut(make_settings) -> None:  # type: ignore[no-untyped-def]
    """Chunked bodies reach the app as a stream the server ends (wsgi.input_terminated), with no length."""
    client = _app_with_echo(make_settings).test_client()

    def post(size: int):  # type: ignore[no-untyped-def]
        return client.post(
            "/echo",
            input_stream=io.BytesIO(b"x" * size),
            headers={"Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},
        )

    limit = 1024 * 1024
    whole = post(limit)
    assert whole.status_code == 200 and whole.get_data() == b"x" * limit
    for size in (limit + 1, 5 * limit):
        too_big = post(size)
        assert too_big.status_code == 413, too_big.get_data()[:200]
        assert too_big.get_json()["error"]["code"] == "request_entity_too_large"


def test_a_body_shorter_than_its_content_length_is_400(make_settings) -> None:  # type: ignore[no-untyped-def]
    client = _app_with_echo(make_settings).test_client()
    short = client.post("/echo", input_stream=io.BytesIO(b"x" * 10), environ_overrides={"CONTENT_LENGTH": "100"})
    assert short.status_code == 400 and "10 of the 100 bytes" in short.get_json()["error"]["message"]
