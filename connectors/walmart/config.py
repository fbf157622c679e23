"""Walmart Marketplace seller settings: where the API is, the client credentials, the service name it wants."""

from __future__ import annotations

from pydantic import Field, field_validator

from hub.sdk.config import ConnectorConfig, NonEmptySecret
from hub.sdk.urls import partner_url

DEFAULT_BASE_URL = "https://marketplace.walmartapis.com"


class Config(ConnectorConfig):
    """Settings of one Walmart Marketplace seller account (``orderhub connector add walmart ACCOUNT ...``)."""

    base_url: str = Field(
        default=DEFAULT_BASE_URL, description="API root (the sandbox: https://sandbox.walmartapis.com)."
    )
    client_id: str = Field(min_length=1, description="Client ID of the API key (Developer Portal).")
    client_secret: NonEmptySecret = Field(description="Client secret of the API key.")
    service_name: str = Field(default="Walmart Marketplace", min_length=1, description="Sent as WM_SVC.NAME.")
    refund_reason: str = Field(
        default="CustomerChangedMind",
        min_length=1,
        description="Walmart refundReason used when the operator's reason names none of damaged, defective, "
        "late, not received, wrong item.",
    )
    timeout: float = Field(default=30.0, gt=0, le=300, description="Seconds to wait for each answer.")

    @field_validator("base_url")
    @classmethod
    def _plain_http_url(cls, value: str) -> str:
        return partner_url(value, "https://marketplace.walmartapis.com")
