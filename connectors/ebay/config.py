"""eBay seller settings: where the REST APIs are, the app's keyset, the seller's OAuth refresh token."""

from __future__ import annotations

from pydantic import Field, field_validator

from hub.sdk.config import ConnectorConfig, NonEmptySecret
from hub.sdk.urls import split_partner_url

FULFILLMENT_SCOPE = "https://api.ebay.com/oauth/api_scope/sell.fulfillment"


class Config(ConnectorConfig):
    """Settings of one eBay seller account (``orderhub connector add ebay ACCOUNT ...``)."""

    base_url: str = Field(
        default="https://api.ebay.com", description="REST root (the sandbox: https://api.sandbox.ebay.com)."
    )
    client_id: str = Field(min_length=1, description="App ID (client id) of the production keyset.")
    client_secret: NonEmptySecret = Field(description="Cert ID (client secret) of the keyset.")
    refresh_token: NonEmptySecret = Field(description="The seller's user refresh token from consenting to the app.")
    scopes: str = Field(
        default=FULFILLMENT_SCOPE,
        min_length=1,
        description="OAuth scopes asked for with each token, space separated (the refresh token must carry them).",
    )
    timeout: float = Field(default=30.0, gt=0, le=300, description="Seconds to wait for each answer.")

    @field_validator("base_url")
    @classmethod
    def _plain_http_url(cls, value: str) -> str:
        if split_partner_url(value, "https://api.ebay.com").path.strip("/"):
            raise ValueError("must be the API root alone, without a path (https://api.ebay.com)")
        return value.strip().rstrip("/")
