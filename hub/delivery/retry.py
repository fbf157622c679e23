"""The one retry policy of the delivery engine: exponential backoff with full jitter, the partner's
``Retry-After`` as a floor, a cap per wait, and a fixed number of attempts before a delivery is ``dead``.

Attempt ``n`` that fails transiently waits a random time in ``[0, min(cap, base * 2**(n-1))]`` ("full
jitter": failures of many deliveries at the same moment spread out instead of returning together), but never
less than the partner asked for. After ``max_attempts`` attempts the delivery is dead, with the last reason.

With the defaults (30 s base, 1 h cap, 55 attempts) the ceilings are 30 s, 1 min, 2 min ... 32 min, then 1 h
for the rest: on average a failing delivery keeps trying for about a day (``expected_total``), and never for
more than about two (``longest_total``) unless the partner's own ``Retry-After`` asks for longer waits.
Attempts are only spent on deliveries that are actually tried: while a destination's circuit breaker is
open, its deliveries wait without using their budget.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

_RANDOM = random.SystemRandom()


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 30.0
    cap_seconds: float = 3600.0
    max_attempts: int = 55

    def ceiling(self, attempt: int) -> float:
        """The longest wait after failed attempt number ``attempt`` (1 for the first), before any Retry-After."""
        exponent = min(attempt - 1, 62)  # 2**62 seconds is far past any cap; avoids huge floats
        return min(self.cap_seconds, self.base_seconds * 2.0**exponent)

    def wait(self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt ``attempt``: full jitter, never earlier than ``retry_after``."""
        jittered = (rng or _RANDOM).uniform(0.0, self.ceiling(attempt))
        return max(jittered, retry_after or 0.0)

    def exhausted(self, attempt: int) -> bool:
        return attempt >= self.max_attempts

    def next_attempt_at(
        self, attempt: int, now: datetime, retry_after: float | None = None, rng: random.Random | None = None
    ) -> datetime | None:
        """When to try again after failed attempt ``attempt``, or None when the schedule is spent (dead)."""
        if self.exhausted(attempt):
            return None
        return now + timedelta(seconds=self.wait(attempt, retry_after, rng))

    def expected_total(self) -> float:
        """Seconds a delivery that always fails keeps trying, on average (no Retry-After)."""
        return sum(self.ceiling(n) for n in range(1, self.max_attempts)) / 2

    def longest_total(self) -> float:
        """Seconds it keeps trying at most (every wait at its ceiling, no Retry-After beyond it)."""
        return sum(self.ceiling(n) for n in range(1, self.max_attempts))

    def describe(self) -> str:
        return (
            f"up to {self.max_attempts} attempts, waits of up to {self.base_seconds:g} s doubling to "
            f"{self.cap_seconds:g} s (about {self.expected_total() / 3600:.0f} h on average)"
        )
