"""The delivery engine's settings in one value, built from the worker settings (``HUB_WORKER__...``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from hub.delivery.breaker import BreakerSettings
from hub.delivery.retry import RetryPolicy
from hub.settings import WorkerSettings


@dataclass(frozen=True)
class EngineConfig:
    chunk: int = 50
    lease: timedelta = timedelta(minutes=10)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker: BreakerSettings = field(default_factory=BreakerSettings)

    @classmethod
    def from_settings(cls, worker: WorkerSettings) -> EngineConfig:
        lease = timedelta(seconds=worker.delivery_lease_seconds)
        return cls(
            chunk=worker.delivery_chunk,
            lease=lease,
            retry=RetryPolicy(worker.retry_base_seconds, worker.retry_cap_seconds, worker.retry_max_attempts),
            breaker=BreakerSettings(
                threshold=worker.breaker_threshold,
                open_seconds=worker.breaker_open_seconds,
                max_open_seconds=max(worker.breaker_open_seconds, worker.retry_cap_seconds),
                probe_timeout_seconds=lease.total_seconds(),
            ),
        )
