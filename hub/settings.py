"""Settings read from the environment, once per process, and passed down to every factory.

Variables carry the ``HUB_`` prefix; nested sections are joined with ``__``
(``HUB_WEB__PORT=8080``). With nothing set, the hub runs on the embedded defaults: a SQLite database and a
SQLite-backed broker under ``HUB_DATA_DIR`` (``./var``), so no server is needed. Production points
``HUB_DATABASE_URL`` at PostgreSQL and ``HUB_BROKER_URL`` at RabbitMQ.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.errors import ConfigurationError
from hub.secrets import check_reference

DATABASE_SCHEMES = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite+pysqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}
BROKER_SCHEMES = ("amqp", "amqps", "pyamqp", "sqla+sqlite", "sqla+postgresql", "sqla+postgresql+psycopg")


class WebSettings(BaseModel):
    """The webhook receiver and API server."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=2, ge=1, description="gunicorn worker processes")
    threads: int = Field(default=4, ge=1, le=64, description="threads per worker process that run requests")
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, description="larger request bodies get 413")
    request_timeout_seconds: float = Field(
        default=10.0, gt=0, le=600, description="a request not fully received (headers and body) by then gets 408"
    )
    secret_key: str = Field(
        default="",
        description="secret reference (env:NAME or file:PATH) signing console sessions; made under data_dir if unset",
    )

    @field_validator("secret_key")
    @classmethod
    def _secret_key_reference(cls, value: str) -> str:
        return check_reference(value, "HUB_WEB__SECRET_KEY") if value else value


class WorkerSettings(BaseModel):
    """Celery workers."""

    concurrency: int = Field(default=2, ge=1)
    embedded_poll_interval: float = Field(
        default=0.1, gt=0, le=5, description="seconds between polls of the embedded (SQLite) broker"
    )
    heartbeat_seconds: int = Field(default=30, ge=1, description="how often beat asks a worker to check in")
    sweep_seconds: int = Field(default=15, ge=1, description="how often stored but unpublished messages are sought")
    pull_seconds: int = Field(default=300, ge=10, description="how often channels are polled and reconciled")
    edi_poll_seconds: int = Field(
        default=60, ge=5, description="how often partners' mailboxes and SFTP servers are polled, unsent X12 sought"
    )
    availability_seconds: int = Field(
        default=60, ge=5, description="how often available to sell is recomputed for SKUs whose inventory changed"
    )
    availability_full_seconds: int = Field(
        default=3600, ge=60, description="how often available to sell is recomputed for every SKU"
    )
    availability_rules: Path | None = Field(
        default=None, description="file or directory of available-to-sell rules; the shipped default when unset"
    )
    events_seconds: int = Field(
        default=5, ge=1, description="how often new order events are planned for subscribers and published"
    )
    route_sweep_seconds: int = Field(
        default=60, ge=5, description="how often unrouted orders, waits that are due and expired waits are sought"
    )
    routing_rules: Path | None = Field(
        default=None, description="file or directory of routing rules; the shipped default when unset"
    )
    delivery_chunk: int = Field(
        default=100, ge=1, le=1000, description="deliveries claimed, sent and recorded together by one task"
    )
    delivery_lease_seconds: int = Field(
        default=600, ge=30, description="how long a claimed delivery is held before the sweep takes it back"
    )
    delivery_sweep_seconds: int = Field(
        default=10, ge=1, description="how often due, lost and expired deliveries are sought and republished"
    )
    delivery_poll_seconds: int = Field(
        default=120, ge=5, description="how often partners that report by polling are asked for news"
    )
    retry_base_seconds: float = Field(default=30, gt=0, description="ceiling of the first retry's wait")
    retry_cap_seconds: float = Field(default=3600, gt=0, description="ceiling of any one retry's wait")
    retry_max_attempts: int = Field(
        default=55, ge=1, description="attempts before a delivery is dead (about a day with the defaults)"
    )
    breaker_threshold: int = Field(
        default=5, ge=1, description="consecutive transient failures that open a destination's circuit breaker"
    )
    breaker_open_seconds: float = Field(
        default=60, gt=0, description="how long an opened breaker waits before one probe (doubles per failed probe)"
    )


class Settings(BaseSettings):
    """Every setting of the hub. Build with ``load_settings()``."""

    model_config = SettingsConfigDict(env_prefix="HUB_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str = ""
    broker_url: str = ""
    web: WebSettings = WebSettings()
    worker: WorkerSettings = WorkerSettings()
    secrets: dict[str, str] = Field(
        default_factory=dict, description="named secret references (env:NAME or file:PATH), never values"
    )

    @field_validator("secrets")
    @classmethod
    def _secret_references(cls, value: dict[str, str]) -> dict[str, str]:
        for key, reference in value.items():
            check_reference(reference, f"HUB_SECRETS__{key.upper()}")
        return value

    def model_post_init(self, __context: object) -> None:
        self.data_dir = self.data_dir.expanduser().absolute()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'orderhub.sqlite3'}"
        if not self.broker_url:
            self.broker_url = f"sqla+sqlite:///{self.data_dir / 'broker.sqlite3'}"
        self.database_url = normalize_database_url(self.database_url)
        check_broker_url(self.broker_url)

    @property
    def embedded(self) -> bool:
        """True when the broker is the embedded SQL transport (no server)."""
        return self.broker_url.startswith("sqla+")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def normalize_database_url(url: str) -> str:
    """Accept the usual spellings and pin the driver the hub ships with (psycopg 3)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in DATABASE_SCHEMES:
        raise ConfigurationError(
            f"HUB_DATABASE_URL {redact_url(url)!r} is not supported: use sqlite:///PATH or "
            "postgresql://USER:PASSWORD@HOST:PORT/DB"
        )
    return f"{DATABASE_SCHEMES[scheme]}://{rest}"


def check_broker_url(url: str) -> None:
    scheme = url.partition("://")[0]
    if "://" not in url or scheme not in BROKER_SCHEMES:
        raise ConfigurationError(
            f"HUB_BROKER_URL {redact_url(url)!r} has an unknown scheme {scheme!r}: use "
            "amqp://USER:PASSWORD@HOST:5672/VHOST (RabbitMQ) or sqla+sqlite:///PATH (embedded)"
        )


def redact_url(url: str) -> str:
    """The URL with its password replaced, for messages and the health endpoint."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable url>"
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def load_settings(**overrides: object) -> Settings:
    """Read the environment (plus explicit overrides); raise ConfigurationError with one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "HUB_" + "__".join(str(part).upper() for part in first["loc"])
        raise ConfigurationError(f"{where}: {first['msg']}") from None
