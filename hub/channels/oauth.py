"""Access tokens for the marketplace APIs (Amazon Login with Amazon, Walmart, eBay): fetched once, cached per
account in memory until shortly before they expire, and fetched again once when the API refuses one.

A token is never logged and never part of an error message. Each worker process keeps its own cache; a token
is cheap to fetch again, and nothing is written to the database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import requests

from hub.channels.accounts import AccountContext
from hub.sdk.errors import ConfigurationError, PermanentError

# Refresh this long before the channel's own expiry, so a token never dies between check and use.
EXPIRY_MARGIN_SECONDS = 60.0
MAX_TOKEN_LIFETIME = 86_400.0


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: float  # time.monotonic() seconds

    def usable(self, now: float) -> bool:
        return now < self.expires_at


@dataclass(frozen=True)
class Grant:
    """How to get a token for one account: the token URL (part of the cache key, so two servers never share
    a token) and a function that calls it and returns the token with its lifetime in seconds."""

    url: str
    fetch: Callable[[AccountContext, str], tuple[str, float]]


def request_token(account: AccountContext, url: str, **kwargs: Any) -> tuple[str, float]:
    """POST to a token endpoint; returns the access token and its lifetime in seconds.

    A token endpoint that refuses the request (400 invalid_grant, 401 invalid_client ...) means the account's
    credentials are wrong or revoked, so every refusal becomes ConfigurationError; 429 and 5xx stay transient.
    """
    try:
        data, _ = account.request_json("POST", url, **kwargs)
    except (PermanentError, ConfigurationError) as exc:
        raise ConfigurationError(
            f"{account.channel} refused the credentials of account {account.account}: {exc}",
            status_code=exc.status_code,
        ) from None
    token = data.get("access_token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token:
        raise ConfigurationError(f"{account.channel} token endpoint answered without an access_token")
    try:
        lifetime = float(data.get("expires_in") or 0)
    except (TypeError, ValueError, OverflowError):
        lifetime = 0.0
    # kept at most a day; a negative or NaN lifetime means the token is used once
    return token, min(lifetime, MAX_TOKEN_LIFETIME) if lifetime >= 0 else 0.0


class TokenCache:
    """Tokens by (channel, account, token URL); safe to share between threads."""

    def __init__(self, margin: float = EXPIRY_MARGIN_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._tokens: dict[tuple[str, str, str], Token] = {}
        self._lock = threading.Lock()
        self._margin = margin
        self._clock = clock

    def token(self, account: AccountContext, grant: Grant) -> str:
        key = (account.channel, account.account, grant.url)
        with self._lock:
            cached = self._tokens.get(key)
            if cached is not None and cached.usable(self._clock()):
                return cached.value
            value, lifetime = grant.fetch(account, grant.url)
            # A token that lives shorter than the margin is used once rather than never.
            keep = max(lifetime - self._margin, lifetime / 2, 0.0)
            self._tokens[key] = Token(value, self._clock() + keep)
            return value

    def forget(self, account: AccountContext, grant: Grant, value: str) -> None:
        """Drop ``value`` if it is still the cached token (another thread may have refreshed it already)."""
        key = (account.channel, account.account, grant.url)
        with self._lock:
            cached = self._tokens.get(key)
            if cached is not None and cached.value == value:
                del self._tokens[key]

    def request_json(
        self,
        account: AccountContext,
        grant: Grant,
        authorize: Callable[[str], dict[str, str]],
        method: str,
        url: str,
        *,
        refresh_on: Iterable[int] = (401,),
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> tuple[Any, requests.Response]:
        """``account.request_json`` with the token's headers (``authorize(token)``); when the API refuses the
        token with a status in ``refresh_on``, fetch a new token and try once more. A second refusal is the
        account's configuration problem and propagates as ConfigurationError."""
        statuses = set(refresh_on)
        token = self.token(account, grant)
        try:
            return account.request_json(method, url, headers={**(headers or {}), **authorize(token)}, **kwargs)
        except ConfigurationError as exc:
            if exc.status_code not in statuses:
                raise
        self.forget(account, grant, token)
        token = self.token(account, grant)
        return account.request_json(method, url, headers={**(headers or {}), **authorize(token)}, **kwargs)
