"""BigCommerce store settings: the store's API root (with its hash), the API account's access token."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from hub.sdk.config import ConnectorConfig, NonEmptySecret


class Config(ConnectorConfig):
    """Settings of one BigCommerce store (``orderhub connector add bigcommerce ACCOUNT ...``)."""

    base_url: str = Field(
        description="The store's API root, https://api.bigcommerce.com/stores/{store_hash} (v2 and v3 live under it)."
    )
    access_token: NonEmptySecret = Field(description="API account access token (X-Auth-Token), orders modify scope.")
    refund_payment: Literal["first", "offline"] = Field(
        default="first",
        description="Which of the refund quote's payment options a refund uses: first (BigCommerce's first "
        "option, usually back to the original payment) or offline (recorded only; the merchant pays it back).",
    )
    timeout: float = Field(default=30.0, gt=0, le=300, description="Seconds to wait for each answer.")

    @field_validator("base_url")
    @classmethod
    def _store_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as https://api.bigcommerce.com/stores/abc123")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ValueError("must not carry credentials, a query or a fragment")
        if "/stores/" not in parts.path:
            raise ValueError("must name the store: https://api.bigcommerce.com/stores/{store_hash}")
        try:
            parts.port  # noqa: B018 - reading it validates the port
        except ValueError:
            raise ValueError("has an invalid port") from None
        return value.strip().rstrip("/")
