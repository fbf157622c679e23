"""The retry schedule's properties: full jitter within doubling ceilings up to the cap, the partner's
Retry-After as a floor, and dead after the last attempt, about a day in with the defaults."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hub.delivery.retry import RetryPolicy
from hub.settings import WorkerSettings

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_waits_are_full_jitter_under_doubling_ceilings_up_to_the_cap() -> None:
    policy = RetryPolicy(base_seconds=30, cap_seconds=3600, max_attempts=55)
    assert [policy.ceiling(n) for n in range(1, 10)] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    rng = random.Random(7)
    for attempt in (1, 4, 8, 40):
        waits = [policy.wait(attempt, rng=rng) for _ in range(2000)]
        ceiling = policy.ceiling(attempt)
        assert all(0 <= wait <= ceiling for wait in waits)
        # full jitter: the whole range is used, not a band near the ceiling
        assert min(waits) < ceiling * 0.05 and max(waits) > ceiling * 0.95


def test_retry_after_is_a_floor_even_past_the_cap() -> None:
    policy = RetryPolicy(base_seconds=30, cap_seconds=3600)
    rng = random.Random(3)
    for attempt, asked in ((1, 45.0), (3, 10.0), (9, 7200.0)):
        for _ in range(500):
            assert policy.wait(attempt, retry_after=asked, rng=rng) >= asked
    when = policy.next_attempt_at(1, NOW, retry_after=600, rng=rng)
    assert when is not None and when >= NOW + timedelta(seconds=600)


def test_dead_after_the_last_attempt_of_the_schedule() -> None:
    policy = RetryPolicy(max_attempts=5)
    assert all(policy.next_attempt_at(n, NOW) is not None for n in range(1, 5))
    assert policy.next_attempt_at(5, NOW) is None and policy.next_attempt_at(6, NOW) is None


def test_the_default_schedule_lasts_about_a_day() -> None:
    worker = WorkerSettings()
    policy = RetryPolicy(worker.retry_base_seconds, worker.retry_cap_seconds, worker.retry_max_attempts)
    assert 20 * 3600 <= policy.expected_total() <= 28 * 3600
    assert policy.longest_total() <= 2.1 * 24 * 3600
    rng = random.Random(11)
    totals = sorted(sum(policy.wait(n, rng=rng) for n in range(1, policy.max_attempts)) for _ in range(200))
    median = totals[len(totals) // 2]
    assert 20 * 3600 <= median <= 28 * 3600
