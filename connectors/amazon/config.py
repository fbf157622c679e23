"""Amazon seller settings: the SP-API endpoint of the seller's region, the Login with Amazon app credentials and
the seller's refresh token, the marketplace orders are confirmed in."""

from __future__ import annotations

from pydantic import Field, field_validator

from hub.sdk.config import ConnectorConfig, NonEmptySecret
from hub.sdk.urls import partner_url


class Config(ConnectorConfig):
    """Settings of one Amazon seller account (``orderhub connector add amazon ACCOUNT ...``)."""

    base_url: str = Field(
        default="https://sellingpartnerapi-na.amazon.com",
        description="The SP-API endpoint of the seller's region (na, eu or fe).",
    )
    token_url: str = Field(
        default="https://api.amazon.com/auth/o2/token", description="Login with Amazon's token endpoint."
    )
    client_id: str = Field(min_length=1, description="LWA client identifier of the SP-API app.")
    client_secret: NonEmptySecret = Field(description="LWA client secret of the SP-API app.")
    refresh_token: NonEmptySecret = Field(
        description="The seller's LWA refresh token (Atzr|...) from authorising the app."
    )
    marketplace_id: str = Field(
        default="ATVPDKIKX0DER",
        min_length=1,
        description="Marketplace a confirmation names when the order does not say (US: ATVPDKIKX0DER).",
    )
    seller_id: str | None = Field(
        default=None,
        min_length=1,
        description="The seller's merchant token (Seller Central > Account info); a cancellation feed names it. "
        "Without it cancellations are held as a configuration error.",
    )
    timeout: float = Field(default=30.0, gt=0, le=300, description="Seconds to wait for each answer.")

    @field_validator("base_url", "token_url")
    @classmethod
    def _plain_http_url(cls, value: str) -> str:
        return partner_url(value, "https://sellingpartnerapi-na.amazon.com")
