"""QuickBooks Online account settings."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from hub.sdk import AccountingConfig
from hub.sdk.config import NonEmptySecret

DEFAULT_BASE_URL = "https://quickbooks.api.intuit.com"
SANDBOX_BASE_URL = "https://sandbox-quickbooks.api.intuit.com"
# Intuit stopped serving minor versions 1-74 on 2025-08-01.
FIRST_MINOR_VERSION = 75


class Config(AccountingConfig):
    """Settings of one QuickBooks company (``orderhub connector add quickbooks ACCOUNT ...``)."""

    base_url: str = Field(default=DEFAULT_BASE_URL, description=f"API root (the sandbox is {SANDBOX_BASE_URL}).")
    realm_id: str = Field(description="The company id (realmId) the token was granted for.")
    access_token: NonEmptySecret = Field(description="OAuth 2 bearer token (sent as Authorization: Bearer).")
    minor_version: int = Field(default=FIRST_MINOR_VERSION, ge=FIRST_MINOR_VERSION, description="API minor version.")
    sales_document: Literal["sales_receipt", "invoice"] = Field(
        default="sales_receipt",
        description="A sale as a sales receipt (paid at once into the channel's clearing account), or as an "
        "invoice with a payment into that account.",
    )
    customer_rule: Literal["per_channel", "per_buyer"] = Field(
        default="per_channel",
        description="One QuickBooks customer per channel account ('shopify:main sales'), or one per buyer "
        "('Name <email>'); found by display name, created when missing.",
    )
    timeout: float = Field(default=30.0, gt=0, le=300, description="Seconds to wait for each answer.")

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.query:
            raise ValueError(f"must be an http(s) URL without credentials or query, such as {DEFAULT_BASE_URL}")
        return value.strip().rstrip("/")

    @field_validator("realm_id", mode="before")
    @classmethod
    def _digits(cls, value: object) -> object:
        text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
        if not re.fullmatch(r"[0-9]{1,20}", text):
            raise ValueError("must be the company's realmId (digits)")
        return text

    @property
    def company_root(self) -> str:
        return f"{self.base_url}/v3/company/{self.realm_id}"
