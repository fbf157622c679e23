"""One subscriber's settings: where to post, which events, how long to wait, and its signing secrets."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from hub.sdk.config import ConnectorConfig, NonEmptySecret

EVENT_TYPES = (
    "order.created",
    "order.routed",
    "order.shipped",
    "order.partially_shipped",
    "order.delivered",
    "order.cancelled",
    "order.refunded",
    "order.returned",
    "order.backordered",
    "inventory.low",
)
ALL = "*"


class Config(ConnectorConfig):
    """Settings of one subscriber (``orderhub subscriber add NAME URL --events ...``)."""

    url: str = Field(description="Where events are posted (http or https).")
    events: tuple[str, ...] = Field(default=(ALL,), description=f"Event types to send, or {ALL} for all.")
    allow_private_network: bool = Field(
        default=False,
        description="Allow a private, loopback or link-local address (an on-premises system). Off by default: "
        "a subscriber URL must not reach the hub's own network.",
    )
    low_stock_threshold: int = Field(
        default=5, ge=0, description="inventory.low is sent when a listing's available figure falls to this or below."
    )
    timeout: float = Field(default=15.0, gt=0, le=30, description="Seconds to wait for the subscriber's answer.")
    secret: NonEmptySecret = Field(description="The whsec_... signing secret the subscriber verifies with.")
    previous_secret: SecretStr | None = Field(
        default=None, description="The secret being rotated out: messages carry a signature by each."
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as https://erp.example.com/hooks/orderhub")
        if parts.username or parts.password or parts.fragment:
            raise ValueError("must not carry credentials or a fragment")
        try:
            parts.port  # noqa: B018 - reading it validates the port
        except ValueError:
            raise ValueError("has an invalid port") from None
        return value.strip()

    @field_validator("events", mode="before")
    @classmethod
    def _known_events(cls, value: object) -> object:
        names = [part.strip() for part in value.split(",")] if isinstance(value, str) else value
        if not isinstance(names, (list, tuple)) or not names:
            raise ValueError(f"must name event types ({', '.join(EVENT_TYPES)}) or {ALL}")
        unknown = [name for name in names if name != ALL and name not in EVENT_TYPES]
        if unknown:
            raise ValueError(f"unknown event types {', '.join(map(str, unknown))}; known: {', '.join(EVENT_TYPES)}")
        return tuple(names)

    def wants(self, event_type: str) -> bool:
        return ALL in self.events or event_type in self.events
