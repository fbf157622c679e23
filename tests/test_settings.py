from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import ConfigurationError
from hub.secrets import resolve_secret
from hub.settings import load_settings, redact_url


def test_defaults_are_embedded_under_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    settings = load_settings()
    assert settings.database_url == f"sqlite:///{tmp_path}/orderhub.sqlite3"
    assert settings.broker_url == f"sqla+sqlite:///{tmp_path}/broker.sqlite3"
    assert settings.embedded and settings.is_sqlite


def test_nested_sections_use_double_underscore(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_WEB__PORT", "9123")
    monkeypatch.setenv("HUB_WORKER__CONCURRENCY", "5")
    settings = load_settings()
    assert (settings.web.port, settings.worker.concurrency) == (9123, 5)


def test_web_threads_and_request_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (load_settings().web.threads, load_settings().web.request_timeout_seconds) == (4, 10.0)
    monkeypatch.setenv("HUB_WEB__THREADS", "8")
    monkeypatch.setenv("HUB_WEB__REQUEST_TIMEOUT_SECONDS", "2.5")
    assert (load_settings().web.threads, load_settings().web.request_timeout_seconds) == (8, 2.5)


def test_postgres_url_gets_the_shipped_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", "postgres://hub:pw@db:5432/hub")
    assert load_settings().database_url == "postgresql+psycopg://hub:pw@db:5432/hub"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "HUB_BROKER_URL",
            "redis://localhost:6379/0",
            "HUB_BROKER_URL 'redis://localhost:6379/0' has an unknown scheme",
        ),
        ("HUB_BROKER_URL", "localhost", "HUB_BROKER_URL 'localhost' has an unknown scheme"),
        (
            "HUB_DATABASE_URL",
            "mysql://u:secret@h/db",
            "HUB_DATABASE_URL 'mysql://u:***@h/db' is not supported",
        ),
        ("HUB_WEB__PORT", "eighty", "HUB_WEB__PORT: Input should be a valid integer"),
        ("HUB_WEB__THREADS", "0", "HUB_WEB__THREADS: Input should be greater than or equal to 1"),
        ("HUB_WEB__REQUEST_TIMEOUT_SECONDS", "0", "HUB_WEB__REQUEST_TIMEOUT_SECONDS: Input should be greater than 0"),
        ("HUB_SECRETS__SHOPIFY", "plaintext-secret", "HUB_SECRETS__SHOPIFY must be a reference of the form"),
    ],
)
def test_bad_settings_raise_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as info:
        load_settings()
    assert message in str(info.value)
    assert "plaintext-secret" not in str(info.value)
    assert "u:secret@" not in str(info.value)


def test_secrets_are_references_resolved_on_use(tmp_path: Path) -> None:
    secret_file = tmp_path / "shopify.secret"
    secret_file.write_text("s3cr3t\n")
    from_file = resolve_secret(f"file:{secret_file}")
    assert from_file.get_secret_value() == "s3cr3t"
    assert "s3cr3t" not in repr(from_file)
    assert resolve_secret("env:TOKEN", {"TOKEN": "abc"}).get_secret_value() == "abc"
    with pytest.raises(ConfigurationError, match="environment variable MISSING is not set"):
        resolve_secret("env:MISSING", {})


def test_redact_url_hides_only_the_password() -> None:
    assert redact_url("amqp://guest:guest@127.0.0.1:5672//") == "amqp://guest:***@127.0.0.1:5672//"
    assert redact_url("sqlite:///var/x.sqlite3") == "sqlite:///var/x.sqlite3"
