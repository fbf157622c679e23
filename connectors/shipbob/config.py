"""ShipBob account settings: where the API is and which dated version, the token, the channel orders are
written for, the webhook signing secret and the shipping method used when an order names none."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from hub.sdk.config import ConnectorConfig, NonEmptySecret

DEFAULT_BASE_URL = "https://api.shipbob.com"
SANDBOX_BASE_URL = "https://sandbox-api.shipbob.com"
DEFAULT_API_VERSION = "2026-01"
# The first dated version. 1.0 and 2.0 send unsigned webhooks and cancel at another path: not supported.
FIRST_DATED_VERSION = "2025-07"
WEBHOOK_SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of a Standard Webhooks secret, not a secret
MIN_WEBHOOK_KEY_BYTES = 16


class Config(ConnectorConfig):
    """Settings of one ShipBob account (``orderhub connector add shipbob ACCOUNT ...``)."""

    base_url: str = Field(
        default=DEFAULT_BASE_URL,
        description=f"Root of the API (the sandbox is {SANDBOX_BASE_URL}).",
    )
    api_version: str = Field(
        default=DEFAULT_API_VERSION,
        description=f"Dated API version in the path (YYYY-MM, {FIRST_DATED_VERSION} or later).",
    )
    access_token: NonEmptySecret = Field(description="Personal access token or OAuth token (sent as Bearer).")
    channel_id: str = Field(
        description="ShipBob channel id orders are created for (the shipbob_channel_id header); "
        "GET /channel lists the token's channels."
    )
    # Its whsec_ form is checked where the value is at hand (check(), each webhook), not here: an account is
    # added with a reference to the secret (env:..., file:...), which stands in for it while it is validated.
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="The whsec_... secret of the webhook subscription; webhooks are refused while it is unset.",
    )
    shipping_method: str = Field(
        default="Standard",
        min_length=1,
        max_length=200,
        description="Shipping method sent when the order names none (ShipBob maps it to a Ship Option).",
    )
    timeout: float = Field(default=30.0, gt=0, le=300, description="Seconds to wait for each answer.")

    @property
    def api_root(self) -> str:
        """``base_url`` with the version: every API path is under it."""
        return f"{self.base_url}/{self.api_version}"

    @field_validator("base_url")
    @classmethod
    def _plain_http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"must be an http(s) URL such as {DEFAULT_BASE_URL}")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ValueError("must not carry credentials, a query or a fragment")
        try:
            parts.port  # noqa: B018 - reading it validates the port
        except ValueError:
            raise ValueError("has an invalid port") from None
        return value.strip().rstrip("/")

    @field_validator("api_version")
    @classmethod
    def _dated_version(cls, value: str) -> str:
        value = value.strip()
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value) or value < FIRST_DATED_VERSION:
            raise ValueError(
                f"must be a dated ShipBob API version (YYYY-MM, {FIRST_DATED_VERSION} or later) such as "
                f"{DEFAULT_API_VERSION}; 1.0 and 2.0 are not supported"
            )
        return value

    @field_validator("channel_id", mode="before")
    @classmethod
    def _channel_number(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and re.fullmatch(r"[1-9][0-9]{0,18}", value.strip()):
            return value.strip()
        raise ValueError("must be the ShipBob channel's number (GET /channel lists the token's channels)")


def signing_key(secret: SecretStr) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret; ``ValueError`` saying what is wrong (never the secret) when
    it is not one."""
    text = secret.get_secret_value().strip()
    if not text.startswith(WEBHOOK_SECRET_PREFIX):
        raise ValueError(f"is not the subscription's secret, which starts with {WEBHOOK_SECRET_PREFIX}")
    encoded = text[len(WEBHOOK_SECRET_PREFIX) :]
    try:  # some producers leave the base64 padding off
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"is not {WEBHOOK_SECRET_PREFIX} followed by base64") from None
    if len(key) < MIN_WEBHOOK_KEY_BYTES:
        raise ValueError(f"holds fewer than {MIN_WEBHOOK_KEY_BYTES} bytes after {WEBHOOK_SECRET_PREFIX}")
    return key
