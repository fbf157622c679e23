"""A channel account as the code that talks to the channel sees it: its settings, secrets resolved on use,
and an HTTP session (injected, so tests point it at a fake channel server on loopback)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from hub.errors import ConfigurationError
from hub.sdk.errors import ConfigurationError as SdkConfigurationError
from hub.sdk.errors import TransientError, classify_http_status
from hub.secrets import resolve_secret

TIMEOUT = (5.0, 30.0)  # connect, read (seconds)
SHIP_WITHIN_DAYS = "ship_within_days"  # the merchant's promise: ships within N business days of the order
MAX_SHIP_WITHIN_DAYS = 30
log = logging.getLogger(__name__)


def check_ship_within_days(value: object, where: str = SHIP_WITHIN_DAYS) -> int:
    """``value`` as a number of business days (0 to 30); raises ``ConfigurationError`` naming ``where``."""
    text = str(value).strip()
    if not text.isdigit() or int(text) > MAX_SHIP_WITHIN_DAYS:
        raise ConfigurationError(
            f"{where}: {value!r} is not a number of business days from 0 to {MAX_SHIP_WITHIN_DAYS}"
            " (0: ships the day it is placed)"
        )
    return int(text)


def ship_within_days(settings: Mapping[str, Any]) -> int | None:
    """The account's promise in business days, None when it makes none. A stored value that is not one (set
    by hand in the database) counts as no promise, with a warning, rather than failing every order."""
    value = settings.get(SHIP_WITHIN_DAYS)
    if value in (None, ""):
        return None
    try:
        return check_ship_within_days(value)
    except ConfigurationError as exc:
        log.warning("channel account setting ignored: %s", exc)
        return None


@dataclass
class AccountContext:
    channel: str
    account: str
    settings: dict[str, Any]
    session: requests.Session = field(default_factory=requests.Session)

    def setting(self, key: str) -> Any:
        if key not in self.settings or self.settings[key] in (None, ""):
            raise ConfigurationError(f"channel account {self.channel}/{self.account} has no setting {key!r}")
        return self.settings[key]

    def secret(self, key: str) -> str:
        """The value behind the secret reference stored under ``key``."""
        return resolve_secret(str(self.setting(key))).get_secret_value()

    def webhook_secrets(self) -> list[str]:
        references = self.settings.get("webhook_secrets") or []
        if isinstance(references, str):
            references = [references]
        return [resolve_secret(reference).get_secret_value() for reference in references]

    def setting_int(self, key: str, default: int) -> int:
        value = self.settings.get(key)
        if value in (None, ""):
            return default
        try:
            return int(str(value))
        except ValueError:
            raise ConfigurationError(
                f"channel account {self.channel}/{self.account}: setting {key!r} must be a whole number"
            ) from None

    def pull_start(self, since: datetime | None) -> datetime:
        """Where a poll starts: ``overlap_minutes`` (5) before the watermark, since re-reading a stored version
        is a no-op and APIs index late; or ``initial_days`` (30) back on an account's first poll."""
        if since is None:
            return datetime.now(UTC) - timedelta(days=self.setting_int("initial_days", 30))
        return since - timedelta(minutes=self.setting_int("overlap_minutes", 5))

    @property
    def base_url(self) -> str:
        return str(self.setting("base_url")).rstrip("/")

    def request_json(self, method: str, url: str, **kwargs: Any) -> tuple[Any, requests.Response]:
        """Call the channel's API; failures come back as hub.sdk errors (transient ones are retried).
        An answer with no content (204, or an empty body) is ``(None, response)``."""
        if not url.startswith(("http://", "https://")):
            url = f"{self.base_url}/{url.lstrip('/')}"
        try:
            response = self.session.request(method, url, timeout=TIMEOUT, allow_redirects=False, **kwargs)
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            raise TransientError(f"{self.channel} API unreachable: {type(exc).__name__}") from None
        except requests.RequestException as exc:  # a malformed URL or request: retrying cannot help
            raise SdkConfigurationError(f"{self.channel} API request is invalid: {type(exc).__name__}") from None
        error = classify_http_status(response.status_code, response.text[:300], response.headers.get("Retry-After"))
        if error is not None:
            raise error
        if response.status_code == 204 or not response.content.strip():
            return None, response
        try:
            return response.json(), response
        except ValueError:
            raise TransientError(
                f"{self.channel} API answered {response.status_code} with a body that is not JSON"
            ) from None
