"""ShipStation account settings: where the API is, the key pair, the store orders go to, the webhook secret."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from hub.sdk.config import ConnectorConfig, NonEmptySecret

DEFAULT_BASE_URL = "https://ssapi.shipstation.com"

MIN_WEBHOOK_SECRET = 16


class Config(ConnectorConfig):
    """Settings of one ShipStation account (``orderhub connector add shipstation ACCOUNT ...``)."""

    base_url: str = Field(
        default=DEFAULT_BASE_URL,
        description="Root of the v1 API; webhook resources are read back only from under it.",
    )
    api_key: NonEmptySecret = Field(description="API key (the Basic auth user name).")
    api_secret: NonEmptySecret = Field(description="API secret (the Basic auth password).")
    store_id: int | None = Field(
        default=None, gt=0, description="Store new orders are created in; ShipStation's first manual store if unset."
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Token that proves a webhook comes from ShipStation: the last part of the webhook URL, or "
        "the X-Orderhub-Token header. At least 16 characters; webhooks are refused while it is unset.",
    )
    timeout: float = Field(default=30.0, gt=0, le=300, description="Seconds to wait for each answer.")

    @field_validator("webhook_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_WEBHOOK_SECRET:
            raise ValueError(f"must be at least {MIN_WEBHOOK_SECRET} characters, so it cannot be guessed")
        return value

    @field_validator("base_url")
    @classmethod
    def _plain_http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as https://ssapi.shipstation.com")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ValueError("must not carry credentials, a query or a fragment")
        try:
            parts.port  # noqa: B018 - reading it validates the port
        except ValueError:
            raise ValueError("has an invalid port") from None
        return value.strip().rstrip("/")
