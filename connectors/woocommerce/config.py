"""WooCommerce store settings: where the REST API is, the consumer key pair, how refunds reach the gateway."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from hub.sdk.config import ConnectorConfig, NonEmptySecret
from hub.sdk.urls import split_partner_url

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class Config(ConnectorConfig):
    """Settings of one WooCommerce store (``orderhub connector add woocommerce ACCOUNT ...``)."""

    base_url: str = Field(description="The store's REST root, e.g. https://shop.example.com/wp-json/wc/v3.")
    consumer_key: NonEmptySecret = Field(description="REST API consumer key (ck_...), read/write.")
    consumer_secret: NonEmptySecret = Field(description="REST API consumer secret (cs_...).")
    auth: Literal["basic", "query"] = Field(
        default="basic",
        description="basic: HTTP Basic (WooCommerce's way over HTTPS); query: consumer_key/consumer_secret in "
        "the query string, for hosts that strip the Authorization header.",
    )
    refund_through_gateway: bool = Field(
        default=False,
        description="True: a refund asks the payment gateway to pay the buyer back (api_refund). False: the "
        "refund is recorded in WooCommerce and the merchant pays it back in the gateway.",
    )
    timeout: float = Field(default=30.0, gt=0, le=300, description="Seconds to wait for each answer.")

    @field_validator("base_url")
    @classmethod
    def _https_url(cls, value: str) -> str:
        parts = split_partner_url(value, "https://shop.example.com/wp-json/wc/v3")
        if parts.scheme == "http" and parts.hostname not in LOOPBACK:
            # WooCommerce takes Basic auth only over HTTPS; plain HTTP needs OAuth 1.0a signatures
            raise ValueError("must be https: WooCommerce accepts the key pair only over HTTPS")
        return value.strip().rstrip("/")
