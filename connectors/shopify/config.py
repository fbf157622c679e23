"""Shopify account settings: which shop, the Admin API version, the access token, where the API is."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from hub.sdk.config import ConnectorConfig, NonEmptySecret
from hub.sdk.urls import partner_url

DEFAULT_API_VERSION = "2025-10"
SHOP = re.compile(r"^[a-z0-9][a-z0-9-]*(\.myshopify\.com)?$")
API_VERSION = re.compile(r"^(20\d\d-(01|04|07|10)|unstable)$")


class Config(ConnectorConfig):
    """Settings of one Shopify shop (``orderhub connector add shopify ACCOUNT ...``), ACCOUNT being the name of
    the channel account its orders arrive under."""

    shop: str = Field(description="The shop's myshopify domain (example.myshopify.com, or just example).")
    access_token: NonEmptySecret = Field(description="Admin API access token (X-Shopify-Access-Token).")
    api_version: str = Field(default=DEFAULT_API_VERSION, description="Admin API version, YYYY-MM (2025-10).")
    base_url: str | None = Field(
        default=None, description="Origin of the Admin API when it is not https://SHOP (a test server)."
    )
    refund_on_cancel: bool = Field(
        default=True, description="Whether cancelling an order at Shopify also refunds the buyer (orderCancel refund)."
    )
    timeout: float = Field(default=30.0, gt=0, le=300, description="Seconds to wait for each answer.")

    @field_validator("shop")
    @classmethod
    def _shop_domain(cls, value: str) -> str:
        shop = value.strip().lower().removeprefix("https://").rstrip("/")
        if not SHOP.match(shop):
            raise ValueError("must be the shop's myshopify domain, such as example.myshopify.com")
        return shop if shop.endswith(".myshopify.com") else f"{shop}.myshopify.com"

    @field_validator("api_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not API_VERSION.match(value.strip()):
            raise ValueError("must be a Shopify API version such as 2025-10 (a quarter's first month)")
        return value.strip()

    @field_validator("base_url")
    @classmethod
    def _plain_http_url(cls, value: str | None) -> str | None:
        return None if value is None else partner_url(value, "https://example.myshopify.com")

    @property
    def endpoint(self) -> str:
        origin = self.base_url or f"https://{self.shop}"
        return f"{origin}/admin/api/{self.api_version}/graphql.json"
