"""What delivering one order costs the worker: statements and CPU of ``hub.deliver.3pl.send``, per stage.

A fresh hub (a new PostgreSQL database, or ``--sqlite``) is set up as ``bench/end_to_end.py`` sets it up
(a ShipStation account at the fake of ``bench/fake_shipstation.py``, in a process of its own, and two
warehouses fulfilled by it), ``--orders`` orders are stored and routed in this process, and their
deliveries are run through the engine the way the worker runs them, twice over fresh orders:

* ``per order``: one ``deliver`` call per order's deliveries (one send message per routed order);
* ``per order, topped up``: the same calls naming the queue, as the send task does: a call tops its chunk
  up with other due deliveries of the queue, so over a backlog the first call takes a chunk and the calls
  after it find their deliveries taken;
* ``chunked``: ``deliver`` over every delivery at once (the engine cuts them into ``--chunk`` chunks).

For each, it prints the wall time and this process's CPU time per order, the statements per order
(counted by a SQLAlchemy ``before_cursor_execute`` listener on the engine, split by stage: claim, send,
record), and with ``--profile`` the functions that take the most cumulative CPU time (cProfile).

    .venv/bin/python bench/delivery_profile.py [--orders 300] [--chunk 100] [--sqlite] [--profile]
        [--only chunked|per-order|topped-up]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.end_to_end import SHOPIFY_SECRET, configure  # noqa: E402
from bench.fake_shipstation import FakeShipStationProcess  # noqa: E402
from bench.shopify_orders import SKUS  # noqa: E402
from bench.webhooks import database as scratch_database  # noqa: E402
from hub.canonical import Order  # noqa: E402
from hub.db.models import Delivery  # noqa: E402
from hub.db.session import Database  # noqa: E402
from hub.delivery import engine  # noqa: E402
from hub.delivery.breaker import BreakerSettings  # noqa: E402
from hub.delivery.config import EngineConfig  # noqa: E402
from hub.delivery.retry import RetryPolicy  # noqa: E402
from hub.oms.route import route_order  # noqa: E402
from hub.orders.store import add_order  # noqa: E402
from hub.settings import WorkerSettings  # noqa: E402
from hub.worker.queues import DELIVER_3PL  # noqa: E402
from tests.processes import hub_env  # noqa: E402
from tests.routing.builders import order_data  # noqa: E402
from tests.services import Services  # noqa: E402

SHIP_TO = [
    {"country": "US", "region": "NJ", "postal_code": "07102", "city": "Newark"},
    {"country": "US", "region": "TX", "postal_code": "75201", "city": "Dallas"},
]
STAGES = ("claim", "send", "record")
MODES = (("per order", "a", None), ("per order, topped up", "c", DELIVER_3PL), ("chunked", "b", None))
ONLY = {"per-order": "per order", "topped-up": "per order, topped up", "chunked": "chunked"}


class Statements:
    """Statements sent to the database, by the stage the engine was in."""

    def __init__(self) -> None:
        self.stage = "other"
        self.counts: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()
        self.shapes: Counter[str] = Counter()
        self.waited: Counter[str] = Counter()  # wall seconds from sending each shape to its answer
        self._sent: tuple[str, float] | None = None

    def __call__(self, _connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.counts[self.stage] += 1
        shape = f"{self.stage}: {' '.join(statement.split())[:110]}"
        self.shapes[shape] += 1
        self._sent = (shape, time.perf_counter())

    def answered(self, *_args: Any) -> None:
        if self._sent is not None:
            self.waited[self._sent[0]] += time.perf_counter() - self._sent[1]
            self._sent = None

    @contextmanager
    def within(self, stage: str) -> Iterator[None]:
        previous, self.stage = self.stage, stage
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] += time.perf_counter() - started
            self.stage = previous


def staged(statements: Statements) -> Callable[[], None]:
    """Wrap the engine's stages so statements and time are counted per stage; returns the undo."""
    originals = {"claim": engine.claim, "send": engine._send, "record": engine.record}

    def wrap(stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with statements.within(stage):
                return function(*args, **kwargs)

        return wrapped

    for stage, function in originals.items():
        setattr(engine, stage if stage != "send" else "_send", wrap(stage, function))

    def undo() -> None:
        engine.claim, engine._send, engine.record = originals["claim"], originals["send"], originals["record"]

    return undo


def store_and_route(database: Database, count: int, batch: str) -> list[list[int]]:
    """``count`` orders of 1 to 3 lines shipping to either warehouse's state; their deliveries, per order."""
    per_order = []
    for n in range(count):
        lines = [
            {"line_id": str(k + 1), "sku": SKUS[(n * 7 + k * 3) % len(SKUS)], "quantity": 1 + (n + k) % 2}
            for k in range(1 + n % 3)
        ]
        short = {"channel_order_id": f"{batch}-{n}", "number": f"#{batch}-{n}", "lines": lines}
        short["ship_to"] = SHIP_TO[n % 2]
        with database.session() as session:
            stored = add_order(session, Order.model_validate(order_data(short)), account="bench")
        assert stored.id is not None
        per_order.append(list(route_order(database, stored.id, source="bench").deliveries))
    return per_order


def run(
    database: Database, calls: list[list[int]], config: EngineConfig, profile: bool, queue: str | None
) -> dict[str, Any]:
    statements = Statements()
    event.listen(database.engine, "before_cursor_execute", statements)
    event.listen(database.engine, "after_cursor_execute", statements.answered)
    undo = staged(statements)
    # CPU time, not wall time: on a shared machine a function is otherwise charged for the time it waited
    profiler = cProfile.Profile(time.process_time) if profile else None
    started, cpu = time.perf_counter(), time.process_time()
    try:
        if profiler:
            profiler.enable()
        for ids in calls:
            engine.deliver(database, ids, config, queue=queue)
        if profiler:
            profiler.disable()
    finally:
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        undo()
        event.remove(database.engine, "before_cursor_execute", statements)
        event.remove(database.engine, "after_cursor_execute", statements.answered)
    text = ""
    if profiler:
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        text = stream.getvalue()
    return {"elapsed": elapsed, "cpu": cpu, "statements": statements, "profile": text}


def delivered(database: Database, ids: list[int]) -> int:
    with database.session() as session:
        statuses = session.scalars(select(Delivery.status).where(Delivery.id.in_(ids))).all()
    return sum(1 for status in statuses if status == "delivered")


def show(label: str, orders: int, deliveries: int, done: int, got: dict[str, Any]) -> None:
    statements: Statements = got["statements"]
    total = sum(statements.counts.values())
    print(f"\n{label}: {orders} orders, {deliveries} deliveries, {done} delivered")
    per_order = 1000 * got["elapsed"] / orders
    print(f"  worker time {per_order:7.2f} ms per order, {total / orders:6.1f} statements per order")
    cpu = 1000 * got["cpu"] / orders
    print(f"  worker CPU  {cpu:7.2f} ms per order (this process's; steadier than wall time on a busy machine)")
    for stage in STAGES:
        ms = 1000 * statements.seconds[stage] / orders
        print(f"    {stage:<7}{ms:7.2f} ms per order {statements.counts[stage] / orders:6.1f} statements per order")
    if got["profile"]:
        print("    statements per order, ms per order from sending each to its answer, shape:")
        for shape, count in statements.shapes.most_common(30):
            print(f"    {count / orders:6.2f} {1000 * statements.waited[shape] / orders:6.2f}  {shape}")
        print(got["profile"])


@contextmanager
def hub_database(use_sqlite: bool, tag: str) -> Iterator[str]:
    if use_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/orderhub.sqlite3"
        return
    services = Services()
    try:
        with scratch_database(services.get()["HUB_TEST_POSTGRES_URL"], f"bench_delivery_{tag}") as url:
            yield url
    finally:
        services.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument(
        "--chunk", type=int, default=WorkerSettings().delivery_chunk, help="the worker's delivery chunk unless given"
    )
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    parser.add_argument("--only", choices=sorted(ONLY), help="run this mode alone")
    args = parser.parse_args()
    config = EngineConfig(
        chunk=args.chunk,
        lease=timedelta(minutes=5),
        retry=RetryPolicy(),
        breaker=BreakerSettings(threshold=5, open_seconds=60, max_open_seconds=600, probe_timeout_seconds=600),
    )
    tag = uuid.uuid4().hex[:8]
    with FakeShipStationProcess() as fake, hub_database(args.sqlite, tag) as url:
        secrets = {"BENCH_SS_KEY": fake.api_key, "BENCH_SS_SECRET": fake.api_secret}
        os.environ.update(secrets)  # the account's secret references name these; this process resolves them too
        env = hub_env(HUB_DATABASE_URL=url, BENCH_SHOPIFY_SECRET=SHOPIFY_SECRET, **secrets)
        configure(env, fake, stock=10 * args.orders)
        database = Database(url)
        try:
            for label, batch, queue in MODES:
                if args.only and ONLY[args.only] != label:
                    continue
                per_order = store_and_route(database, args.orders, batch)
                ids = [i for order in per_order for i in order]
                calls = per_order if label.startswith("per order") else [ids]
                got = run(database, calls, replace(config), args.profile, queue)
                show(label, args.orders, len(ids), delivered(database, ids), got)
        finally:
            database.dispose()


if __name__ == "__main__":
    main()
