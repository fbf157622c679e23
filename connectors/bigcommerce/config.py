"""BigCommerce store settings: the store's API root (with its hash), the API account's access token."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from hub.sdk.config import ConnectorConfig, NonEmptySecret
from hub.sdk.urls import split_partner_url


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
        if "/stores/" not in split_partner_url(value, "https://api.bigcommerce.com/stores/abc123").path:
            raise ValueError("must name the store: https://api.bigcommerce.com/stores/{store_hash}")
        return value.strip().rstrip("/")
