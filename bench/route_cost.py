"""What routing one stored order costs: statements, and time, one order per transaction against batches.

Stores ``--orders`` orders (1 to 3 lines over 20 SKUs, two warehouses that ship them, as in
``bench/end_to_end.py``), routes half of them one by one with ``route_order`` (what ``hub.route.order`` did
for each message) and the other half with ``route_orders`` in batches of ``--batch`` (what it does now),
counting every statement sent to the database (a ``before_cursor_execute`` listener: exact), the wall
time and this process's CPU time (what a busy machine disturbs least; the database's own CPU is not in
it). ``--profile`` adds the top of a cProfile of each half. Both halves run in the same process on the
same database, so compare them with each other; this machine is noisy.

    .venv/bin/python bench/route_cost.py [--orders 600] [--batch 50] [--sqlite] [--profile] [--batched-only]

PostgreSQL is started by scripts/services unless HUB_TEST_POSTGRES_URL points at a running one.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.webhooks import database as scratch_database  # noqa: E402
from hub.canonical import Order  # noqa: E402
from hub.db import migrate  # noqa: E402
from hub.db.session import Database  # noqa: E402
from hub.inventory import adjust, parse_location, save_location  # noqa: E402
from hub.oms.route import route_order  # noqa: E402
from hub.oms.route_batch import route_orders  # noqa: E402
from hub.orders.store import add_order  # noqa: E402
from hub.routing import default_rules  # noqa: E402
from tests.routing.builders import order_data  # noqa: E402
from tests.services import Services  # noqa: E402

SKUS = 20


def prepare(database: Database, orders: int) -> list[str]:
    migrate.upgrade(database)
    with database.session() as session:
        for location_id, latitude in (("wh-nj", 40.73), ("wh-pa", 39.95)):
            spec = {"id": location_id, "name": location_id, "kind": "warehouse", "capabilities": ["ship"]}
            place = {"coordinates": {"latitude": latitude, "longitude": -74.5}, "fulfilled_by": "self"}
            save_location(session, parse_location(spec | place))
            for n in range(SKUS):
                adjust(session, f"SKU-{n}", location_id, 1_000_000, source="bench")
    ids = []
    with database.session() as session:
        for n in range(orders):
            lines = [
                {"line_id": str(i + 1), "sku": f"SKU-{(n + 7 * i) % SKUS}", "quantity": 1 + i} for i in range(1 + n % 3)
            ]
            short = {"channel_order_id": str(n), "lines": lines, "ship_to": {"country": "US", "postal_code": "10001"}}
            stored = add_order(session, Order.model_validate(order_data(short)), account="bench")
            assert stored.id is not None
            ids.append(stored.id)
    return ids


def measure(database: Database, label: str, run: Callable[[], None], orders: int, profile: bool) -> None:
    statements = [0]

    def count(*_args: object) -> None:
        statements[0] += 1

    event.listen(database.engine, "before_cursor_execute", count)
    profiler = cProfile.Profile(time.process_time)  # CPU time: waits on the database are not this process's
    start, cpu = time.perf_counter(), time.process_time()
    if profile:
        profiler.enable()
    run()
    profiler.disable()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    event.remove(database.engine, "before_cursor_execute", count)
    each, cpu_each = elapsed / orders * 1000, cpu / orders * 1000
    print(f"{label:<36}{statements[0] / orders:>12.1f}{each:>12.2f}{cpu_each:>12.2f}{orders / elapsed:>12,.0f}")
    if profile:
        order, top = os.environ.get("SORT", "cumulative"), int(os.environ.get("TOP", "25"))
        pstats.Stats(profiler).sort_stats(order).print_stats(top)


@contextmanager
def target(sqlite: bool) -> Iterator[str]:
    if sqlite:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
        return
    services = Services()
    try:
        with scratch_database(services.get()["HUB_TEST_POSTGRES_URL"], f"bench_route_{uuid.uuid4().hex[:8]}") as url:
            yield url
    finally:
        services.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=600)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--batched-only", action="store_true", help="skip the one-by-one half (slow)")
    args = parser.parse_args()
    with target(args.sqlite) as url:
        database = Database(url)
        ids = prepare(database, args.orders + 2)
        rules = default_rules()
        route_order(database, ids.pop(), rules=rules)  # warm: imports, rule parsing, the location cache
        route_orders(database, [ids.pop()], rules=rules)
        half = len(ids) // 2
        one_by_one, batched = ids[:half], ids[half:]
        print(f"{'SQLite' if args.sqlite else 'PostgreSQL'}, {len(ids)} orders, batches of {args.batch}")
        print(f"{'':<36}{'stmts/order':>12}{'ms/order':>12}{'CPU ms':>12}{'orders/s':>12}")

        def alone() -> None:
            for order_id in one_by_one:
                route_order(database, order_id, rules=rules)

        def in_batches() -> None:
            for first in range(0, len(batched), args.batch):
                result = route_orders(database, batched[first : first + args.batch], rules=rules)
                assert not result.failed, result.failed

        if not args.batched_only:
            measure(database, "route_order, one per transaction", alone, len(one_by_one), args.profile)
        measure(database, f"route_orders, {args.batch} per transaction", in_batches, len(batched), args.profile)
        database.dispose()


if __name__ == "__main__":
    main()
