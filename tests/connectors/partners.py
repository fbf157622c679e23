"""The fake partner servers as the contract suite drives them: one adapter for every connector kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hub.canonical import FulfillmentRequest
from hub.sdk.testing import InjectedFailure
from tests.fakes.server import FakeServer


class FakePartner:
    """A fake partner server as the contract suite drives it: ``settings`` reach it, ``fail_next`` injects the
    failure (a hang, a reset or a status through the fake's own injection), ``effects`` counts what the
    partner holds of what the suite exercised (for the suite's resend check).

    ``refused_twice``: a 401 is answered to two calls, for a client that fetches a new token once when one is
    refused and a fake that never fails token requests: credentials the channel no longer accepts."""

    def __init__(
        self, fake: FakeServer, settings: dict[str, Any], effects: Callable[[], int], *, refused_twice: bool = False
    ) -> None:
        self.fake = fake
        self._settings = settings
        self.effects = effects
        self.refused_twice = refused_twice

    def settings(self) -> dict[str, Any]:
        return dict(self._settings)

    def fail_next(self, failure: InjectedFailure) -> None:
        """Through the fake's own injection, so a fake that keeps token requests out of failures (eBay) does."""
        if failure.timeout:
            self.fake.hang_next(seconds=1.5)
        elif failure.reset:
            self.fake.reset_next()
        else:
            assert failure.status is not None
            times = 2 if failure.status == 401 and self.refused_twice else 1
            self.fake.fail_next(failure.status, retry_after=failure.retry_after, times=times)

    def orders_received(self, request: FulfillmentRequest) -> int:
        return 0  # counted by ``effects`` instead: these partners take no fulfillment orders
