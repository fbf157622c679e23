"""Xero organisation settings."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from hub.sdk import AccountingConfig
from hub.sdk.config import NonEmptySecret

DEFAULT_BASE_URL = "https://api.xero.com"


class Config(AccountingConfig):
    """Settings of one Xero organisation (``orderhub connector add xero ACCOUNT ...``)."""

    base_url: str = Field(default=DEFAULT_BASE_URL, description="API root.")
    tenant_id: str = Field(description="The organisation's tenant id (the xero-tenant-id header).")
    access_token: NonEmptySecret = Field(description="OAuth 2 bearer token (sent as Authorization: Bearer).")
    contact_rule: Literal["per_channel", "per_buyer"] = Field(
        default="per_channel",
        description="One Xero contact per channel account ('shopify:main sales'), or one per buyer "
        "('Name <email>'); found by name, created when missing.",
    )
    timeout: float = Field(default=30.0, gt=0, le=300, description="Seconds to wait for each answer.")

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.query:
            raise ValueError(f"must be an http(s) URL without credentials or query, such as {DEFAULT_BASE_URL}")
        return value.strip().rstrip("/")

    @field_validator("tenant_id")
    @classmethod
    def _uuid(cls, value: str) -> str:
        if not re.fullmatch(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", value.strip()):
            raise ValueError("must be the organisation's tenant id (a UUID, from GET https://api.xero.com/connections)")
        return value.strip().lower()

    @property
    def api_root(self) -> str:
        return f"{self.base_url}/api.xro/2.0"
