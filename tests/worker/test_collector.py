"""A worker's pool process keeps what it imported out of the cyclic garbage collector's walks."""

from __future__ import annotations

import gc

from celery import signals

import hub.worker.app  # noqa: F401 - connects the worker's signal handlers


def test_a_pool_process_freezes_what_it_imported_when_it_starts() -> None:
    gc.unfreeze()
    try:
        signals.worker_process_init.send(sender=None)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
