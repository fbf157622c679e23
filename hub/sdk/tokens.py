"""An OAuth access token as a connector client keeps it: fetched when first needed, kept until shortly before
it expires, and fetched again once when the partner refuses it (revoked, or expired early on the partner's
clock) before the refusal counts.

How to fetch one (the grant, the form, what a refusal of the credentials means) stays in the connector.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from hub.sdk.errors import TransientError

EARLY = 60.0  # seconds before a token's end that it is replaced


class AccessToken:
    """One partner account's access token. ``fetch`` asks the partner for a new one and returns its answer
    (a JSON object with ``access_token`` and ``expires_in``); ``lifetime`` is assumed when the answer names
    none. Nothing here shows the token: its repr names only the partner."""

    def __init__(self, partner: str, fetch: Callable[[], Any], *, lifetime: float) -> None:
        self.partner = partner
        self._fetch = fetch
        self._lifetime = lifetime
        self._value: str | None = None
        self._until = 0.0

    def __repr__(self) -> str:
        return f"AccessToken({self.partner!r})"

    def get(self) -> str:
        """The token in hand, or a new one when there is none or it is about to expire."""
        if self._value is None or time.monotonic() >= self._until:
            answer = self._fetch()
            if not isinstance(answer, dict) or not answer.get("access_token"):
                raise TransientError(f"{self.partner}'s token answer carries no access_token")
            lifetime = float(answer.get("expires_in") or self._lifetime)
            self._value = str(answer["access_token"])
            self._until = time.monotonic() + max(0.0, lifetime - EARLY)
        return self._value

    def forget(self) -> None:
        """Drop the token in hand (the partner refused it); the next ``get`` fetches a new one."""
        self._value = None

    def send(self, request: Callable[[str], Any], refused: Callable[[Any], bool]) -> Any:
        """``request(token)``'s answer; when ``refused(answer)`` says the partner refused the token, the request
        is made once more with a new one, and that answer stands."""
        answer = request(self.get())
        if refused(answer):
            self.forget()
            answer = request(self.get())
        return answer
