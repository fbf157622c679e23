"""Per-order cost of the intake worker: signed Shopify orders already in the inbox, applied as
``hub.ingest.parse_many`` does (chunks of the relay's size), against the same messages applied one
transaction per message (``process_message``, what a lone ``hub.ingest.parse`` does), same run.

Counts every statement the hub sends (SQLAlchemy ``before_cursor_execute``; an executemany counts once) and
the transactions, and times the apply: wall clock, and this process's CPU time (on SQLite that includes the
database's own work; on a shared machine it is the steadier figure); ``--profile`` prints the cProfile top of
each run.

    .venv/bin/python bench/ingest_apply.py [--orders 1000] [--chunk 50] [--sqlite] [--profile]

PostgreSQL comes from HUB_TEST_POSTGRES_URL (started by scripts/services unless it is set).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, func, select

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.shopify_orders import signed_orders  # noqa: E402
from bench.webhooks import database  # noqa: E402
from hub.channels.intake import store_message  # noqa: E402
from hub.channels.process import process_message  # noqa: E402
from hub.db.models import InboxMessage, OrderRecord  # noqa: E402
from hub.db.session import Database  # noqa: E402
from tests.services import Services  # noqa: E402

SECRET = "bench-shopify-secret"  # noqa: S105 (a throwaway key for a local benchmark)


class Counter:
    """Statements and transactions sent through one engine."""

    def __init__(self, db: Database) -> None:
        self.statements = 0
        self.commits = 0
        event.listen(db.engine, "before_cursor_execute", self._statement)
        event.listen(db.engine, "commit", self._commit)

    def _statement(self, *_args: object) -> None:
        self.statements += 1

    def _commit(self, *_args: object) -> None:
        self.commits += 1


def prepare(url: str, first_id: int, count: int) -> tuple[Database, list[int]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")} | {
        "HUB_DATABASE_URL": url,
        "BENCH_SHOPIFY_SECRET": SECRET,
    }
    for command in (
        ["db", "upgrade"],
        ["channel", "add", "shopify", "bench", "--webhook-secret", "env:BENCH_SHOPIFY_SECRET"],
    ):
        subprocess.run([sys.executable, "-m", "hub", *command], env=env, check=True, capture_output=True)
    db = Database(url)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        ids = [
            store_message(
                connection,
                source="webhook",
                channel="shopify",
                account="bench",
                topic="orders/create",
                dedupe_key=f"bench:{order.event_id}",
                body=order.body,
                content_type="application/json",
            )[0]
            for order in signed_orders(count, first_id, f"e{first_id}-", SECRET, seed=first_id)
        ]
    return db, ids


def run(db: Database, ids: list[int], apply: Callable[[list[int]], None], profile: bool) -> dict[str, float]:
    counter = Counter(db)
    profiler = cProfile.Profile() if profile else None
    started, cpu_started = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    apply(ids)
    if profiler:
        profiler.disable()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    with db.session() as session:
        orders = session.scalar(select(func.count()).select_from(OrderRecord))
        done = session.scalar(select(func.count()).where(InboxMessage.status == "processed"))
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    n = len(ids)
    return {
        "orders": float(orders or 0),
        "processed": float(done or 0),
        "statements": counter.statements / n,
        "commits": counter.commits / n,
        "ms": elapsed * 1000 / n,
        "cpu_ms": cpu * 1000 / n,
    }


def one_by_one(db: Database) -> Callable[[list[int]], None]:
    def apply(ids: list[int]) -> None:
        for inbox_id in ids:
            process_message(db, inbox_id)

    return apply


def chunked(db: Database, size: int) -> Callable[[list[int]], None]:
    from hub.channels.chunk import process_chunk  # the chunked apply, when this tree has it

    def apply(ids: list[int]) -> None:
        for start in range(0, len(ids), size):
            process_chunk(db, ids[start : start + size])

    return apply


@contextmanager
def databases(sqlite: bool) -> Iterator[Callable[[str], str]]:
    if sqlite:
        with tempfile.TemporaryDirectory() as scratch:
            yield lambda name: f"sqlite:///{scratch}/{name}.sqlite3"
        return
    services = Services()
    try:
        server = services.get()["HUB_TEST_POSTGRES_URL"]
        with ExitStackDatabases(server) as make:
            yield make
    finally:
        services.stop()


class ExitStackDatabases:
    def __init__(self, server: str) -> None:
        self.server = server
        self.open: list[object] = []

    def __enter__(self) -> Callable[[str], str]:
        return self.make

    def make(self, name: str) -> str:
        context = database(self.server, name)
        self.open.append(context)
        return context.__enter__()

    def __exit__(self, *exc: object) -> None:
        for context in reversed(self.open):
            context.__exit__(None, None, None)  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--chunk", type=int, default=50)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--only", choices=["one", "chunk"])
    args = parser.parse_args()
    tag = uuid.uuid4().hex[:8]
    with databases(args.sqlite) as make:
        modes = {"one": one_by_one, "chunk": lambda db: chunked(db, args.chunk)}
        for number, (name, build) in enumerate(modes.items()):
            if args.only and name != args.only:
                continue
            db, ids = prepare(make(f"bench_ingest_{name}_{tag}"), 10**12 * (number + 1), args.orders)
            result = run(db, ids, build(db), args.profile)
            db.dispose()
            label = "one per transaction" if name == "one" else f"chunks of {args.chunk}"
            print(
                f"{label:<22} {result['ms']:6.2f} ms/order (CPU {result['cpu_ms']:5.2f})  "
                f"{result['statements']:5.2f} statements/order  "
                f"{result['commits']:5.2f} commits/order  ({result['orders']:.0f} orders, "
                f"{result['processed']:.0f} processed)"
            )


if __name__ == "__main__":
    main()
