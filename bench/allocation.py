"""Allocation throughput on PostgreSQL, beside a baseline of bare single-row updates measured in the same run.

N worker processes, each with its own engine, allocate one unit at a time (``hub.inventory.allocate``:
claim the order line, conditional update of the level, ledger entry), in three scenarios:

* uncontended: each worker allocates its own SKUs, one allocation per transaction, so no two transactions
  want the same level row;
* contended: every worker allocates the same hot SKU, one per transaction, stocked with half the units asked
  for, so the workers end up racing for the last units and the late attempts are refused;
* uncontended orders of 8 lines: each transaction allocates the 8 lines of one order, as a routing worker
  commits a whole order, so the commit is shared;
* uncontended, batched: each transaction commits 50 one-line orders with one ``allocate_many`` statement
  (``hub.inventory.bulk_allocation``), as a routing worker commits a batch of orders: claims, level updates
  under the same guard and one ledger entry per order.

The baseline is the same number of statements from the same workers, grouped in the same transactions,
doing the least a stock update can: ``UPDATE ... SET n = n + 1 WHERE id = :id``, with no check and no
ledger (one row per worker when uncontended, one shared row when contended); for the batched scenario,
one bare update per order, 50 to a transaction. Each figure is the median of
``--rounds`` rounds, baseline and hub alternating; this machine is noisy, so compare the ratios. At the end
the script checks that nothing was oversold: replaying each level's ledger, committed never rose above on
hand; every ledger sums to its level; and the units committed are exactly those reported allocated.

    .venv/bin/python bench/allocation.py [--workers 4] [--allocations 500] [--rounds 3]

PostgreSQL is started by scripts/services unless HUB_TEST_POSTGRES_URL points at a running one.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.webhooks import database as scratch_database  # noqa: E402
from hub.db import migrate  # noqa: E402
from hub.db.session import Database  # noqa: E402
from hub.inventory import allocate, get_level, history, parse_location, receive, save_location  # noqa: E402
from hub.inventory.allocation import AllocationRequest  # noqa: E402
from hub.inventory.bulk_allocation import allocate_many  # noqa: E402
from hub.inventory.ledger import totals  # noqa: E402
from tests.services import Services  # noqa: E402

LOCATION = "bench-dc"
HOT = "HOT"
OWN_SKUS = 8  # per worker in the uncontended runs


@dataclass(frozen=True)
class Scenario:
    label: str
    contended: bool  # every worker on the hot SKU, or each on its own SKUs
    lines: int  # allocations per transaction: 1, or an order's lines committed together
    batched: bool = False  # ``lines`` one-line orders per transaction, committed with one allocate_many


SCENARIOS = (
    Scenario("uncontended (own SKUs)", contended=False, lines=1),
    Scenario("contended (one hot SKU, half the units)", contended=True, lines=1),
    Scenario("uncontended, orders of 8 lines", contended=False, lines=8),
    Scenario("uncontended, batches of 50 orders", contended=False, lines=50, batched=True),
)


def hub_worker(url: str, worker: int, count: int, tag: str, scenario: Scenario) -> tuple[int, float, float]:
    """``count`` allocations of one unit, ``scenario.lines`` per transaction; returns (allocated, start, end)."""
    database = Database(url)
    allocated = 0
    with database.session() as session:  # warm the pool before the clock starts
        session.execute(text("SELECT 1"))
    start = time.perf_counter()
    for first in range(0, count, scenario.lines):
        with database.session() as session:
            if scenario.batched:
                allocated += allocate_many(session, _batch(worker, first, count, tag, scenario), source="bench")
                continue
            for n in range(first, min(first + scenario.lines, count)):
                sku = HOT if scenario.contended else f"W{worker}-{n % OWN_SKUS}"
                order_id, line_id = f"{tag}-{worker}-{first}", str(n - first)
                allocated += allocate(session, order_id, line_id, sku, LOCATION, 1, source="bench").allocated
    end = time.perf_counter()
    database.dispose()
    return allocated, start, end


def _batch(worker: int, first: int, count: int, tag: str, scenario: Scenario) -> list[AllocationRequest]:
    """One-line orders ``first`` .. of this worker, one unit each of its own SKUs."""
    last = min(first + scenario.lines, count)
    return [
        AllocationRequest(f"{tag}-{worker}-{n}", "1", f"W{worker}-{n % OWN_SKUS}", LOCATION, 1)
        for n in range(first, last)
    ]


def baseline_worker(url: str, worker: int, count: int, tag: str, scenario: Scenario) -> tuple[int, float, float]:
    """``count`` bare single-row updates, ``scenario.lines`` per transaction."""
    engine = create_engine(url)
    row = 0 if scenario.contended else worker + 1
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    start = time.perf_counter()
    for first in range(0, count, scenario.lines):
        with engine.begin() as connection:
            for _ in range(first, min(first + scenario.lines, count)):
                connection.execute(text("UPDATE bench_counter SET n = n + 1 WHERE id = :id"), {"id": row})
    end = time.perf_counter()
    engine.dispose()
    return count, start, end


def _run(job: Callable[..., tuple[int, float, float]], args: tuple[Any, ...], results: Any) -> None:
    results.put(job(*args))


def run_round(
    job: Callable[..., tuple[int, float, float]], url: str, workers: int, count: int, tag: str, scenario: Scenario
) -> tuple[float, int]:
    """Allocations (or updates) per second over all workers (first start to last end), and units allocated."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    processes = [
        context.Process(target=_run, args=(job, (url, n, count, tag, scenario), results)) for n in range(workers)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=900) for _ in processes]
    for process in processes:
        process.join()
    elapsed = max(end for _, _, end in outcomes) - min(start for _, start, _ in outcomes)
    return workers * count / elapsed, sum(units for units, _, _ in outcomes)


def prepare(url: str, workers: int, stock_each: int, hot_stock: int) -> None:
    database = Database(url)
    migrate.upgrade(database)
    with database.session() as session:
        spec = {"id": LOCATION, "name": "Bench DC", "kind": "warehouse", "capabilities": ["ship"]}
        save_location(session, parse_location(spec | {"postal_region": "US:752"}))
        for worker in range(workers):
            for n in range(OWN_SKUS):
                receive(session, f"W{worker}-{n}", LOCATION, stock_each, source="bench")
        receive(session, HOT, LOCATION, hot_stock, source="bench")
        session.execute(text("CREATE TABLE bench_counter (id integer PRIMARY KEY, n bigint NOT NULL)"))
        session.execute(text("INSERT INTO bench_counter SELECT g, 0 FROM generate_series(0, :w) g"), {"w": workers})
    database.dispose()


def check_no_oversell(url: str, sku: str) -> tuple[int, int]:
    """Replay the SKU's ledger: committed + reserved never above on hand, and the ledger sums to the level.
    Returns (on hand, committed)."""
    database = Database(url)
    with database.session() as session:
        level = get_level(session, sku, LOCATION)
        sums = totals(session, sku, LOCATION)
        balances = {"on_hand": 0, "committed": 0, "reserved": 0}
        worst = 0
        for entry in history(session, sku, LOCATION, limit=10_000_000):
            balances[entry.bucket] = entry.balance
            worst = max(worst, balances["committed"] + balances["reserved"] - balances["on_hand"])
    database.dispose()
    if worst > 0:
        raise SystemExit(f"{sku}: oversold by {worst} units at some moment")
    if any(sums[bucket] != level.value(bucket) for bucket in sums):
        raise SystemExit(f"{sku}: the ledger does not sum to the level")
    return level.on_hand, level.committed


def measure(url: str, args: argparse.Namespace, scenario: Scenario) -> dict[str, list[float]]:
    rates: dict[str, list[float]] = {"baseline": [], "orderhub": []}
    for round_number in range(args.rounds):
        tag = f"{SCENARIOS.index(scenario)}.{round_number}"
        rates["baseline"].append(run_round(baseline_worker, url, args.workers, args.allocations, tag, scenario)[0])
        rate, units = run_round(hub_worker, url, args.workers, args.allocations, tag, scenario)
        rates["orderhub"].append(rate)
        if not scenario.contended and units != args.workers * args.allocations:
            raise SystemExit(f"{scenario.label}: {units} units allocated of {args.workers * args.allocations}")
    return rates


def verify(url: str, args: argparse.Namespace, reported: int) -> None:
    """After every scenario: no level oversold at any moment, and the units committed are those reported."""
    committed = 0
    for sku in [HOT] + [f"W{w}-{n}" for w in range(args.workers) for n in range(OWN_SKUS)]:
        committed += check_no_oversell(url, sku)[1]
    if committed != reported:
        raise SystemExit(f"{committed} units committed, but {reported} allocations reported")
    print(
        f"checked {1 + args.workers * OWN_SKUS} levels: never oversold, each ledger sums to its level, "
        f"{committed:,} units committed as reported"
    )


def report(label: str, rates: dict[str, list[float]], attempts: int) -> None:
    base, hub = statistics.median(rates["baseline"]), statistics.median(rates["orderhub"])
    print(f"{label:<44}{base:>14,.0f}{hub:>14,.0f}{hub / base:>9.2f}x")
    per_round = {name: [round(r) for r in values] for name, values in rates.items()}
    print(f"  per round: baseline {per_round['baseline']}, orderhub {per_round['orderhub']} ({attempts} each)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4, help="worker processes (default 4)")
    parser.add_argument("--allocations", type=int, default=500, help="allocations per worker per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    attempts = args.workers * args.allocations
    services = Services()
    try:
        server = services.get()["HUB_TEST_POSTGRES_URL"]
        with scratch_database(server, f"bench_alloc_{uuid.uuid4().hex[:8]}") as url:
            # Own SKUs never run short; the hot SKU holds half of what is asked of it over all rounds.
            prepare(url, args.workers, args.allocations * args.rounds * 2, attempts * args.rounds // 2)
            print(f"PostgreSQL, {args.workers} worker processes, one unit per allocation, medians of {args.rounds}")
            print(f"{'':<44}{'baseline/s':>14}{'allocations/s':>14}{'ratio':>10}")
            results = {}
            for scenario in SCENARIOS:
                results[scenario] = measure(url, args, scenario)
                report(scenario.label, results[scenario], attempts)
            own = sum(not scenario.contended for scenario in SCENARIOS)
            reported = attempts * args.rounds * own + attempts * args.rounds // 2  # own SKUs all, the hot SKU half
            verify(url, args, reported)
            single = statistics.median(results[SCENARIOS[0]]["orderhub"])
            batched = statistics.median(results[SCENARIOS[3]]["orderhub"])
            bare = statistics.median(results[SCENARIOS[0]]["baseline"])
            print(
                f"target: >= 2,000 orders/s uncontended: batched {batched:,.0f} orders/s; one order per transaction "
                f"{single:,.0f}/s, against bare single-row update transactions {bare:,.0f}/s "
                f"(batched {batched / bare:.2f}x that)"
            )
    finally:
        services.stop()


if __name__ == "__main__":
    main()
