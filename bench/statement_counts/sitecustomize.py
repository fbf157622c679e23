"""Counts the SQL statements each Celery task sends, for ``bench/end_to_end.py`` (never imported by the hub).

``bench/end_to_end.py`` puts this folder first on ``PYTHONPATH`` and sets ``BENCH_COUNT_STATEMENTS=1`` for
the hub's processes, so Python imports this module at start-up in each of them (and in the processes
``orderhub run`` starts, and the worker's forked pool). A listener on every SQLAlchemy engine counts the
statements sent; at the end of each task a line ``bench-statements <task name> <count> <cpu ms>`` (the
CPU time the process spent on the task, which on a busy machine is steadier than its runtime) goes straight to
the process's standard error (the worker log), where ``bench.delivery_timings.task_costs`` reads it.
"""

from __future__ import annotations

import os

if os.environ.get("BENCH_COUNT_STATEMENTS"):
    import time
    from typing import Any

    from celery import signals
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    _sent = [0]
    _cpu = [0.0]

    @event.listens_for(Engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        _sent[0] += 1

    @signals.task_prerun.connect
    def _task_starts(**_kwargs: Any) -> None:
        _sent[0] = 0
        _cpu[0] = time.process_time()

    @signals.task_postrun.connect
    def _task_ends(task: Any = None, **_kwargs: Any) -> None:
        name = getattr(task, "name", "unknown")
        cpu = 1000 * (time.process_time() - _cpu[0])
        os.write(2, f"bench-statements {name} {_sent[0]} {cpu:.3f}\n".encode())
