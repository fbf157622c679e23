"""End to end: signed Shopify webhooks in, fulfillment orders delivered at a fake ShipStation, on both stacks.

For each stack a fresh hub (a new PostgreSQL database and RabbitMQ virtual host, or a new SQLite database
and embedded broker) gets a Shopify account, a ShipStation account pointing at the fake
(``bench/fake_shipstation.py``, in a process of its own, which notes when each ``orderKey`` first arrived)
and two warehouses, in New Jersey and Texas, both fulfilled by it, with plenty of stock of 20 SKUs. The hub
runs as ``python -m hub`` processes, the ones the quick start runs (``orderhub run``: web receiver, worker,
scheduler) at their default sizes, which are meant for 2 cores:

* production (PostgreSQL + RabbitMQ): ``orderhub serve`` (2 processes x 4 threads) + ``orderhub worker -c 2``
  on every queue + ``orderhub beat``, started one by one (what ``orderhub run`` starts) so that the worker
  can be stopped for the ingest-only measurement;
* embedded (SQLite + embedded broker): ``orderhub run``.

Then, from 8 client threads (one ``requests.Session`` each), ``--orders`` signed ``orders/create`` webhooks
(1 to 3 lines, a ship-to in either state: ``bench/shopify_orders.py``) are posted as fast as they are
answered, after a warm-up of 20 orders delivered before the clock starts. Printed:

* end to end: orders delivered per second, from the first webhook sent to the last order delivered at the
  fake (an order is delivered when the fake holds every one of its fulfillment orders), and the p50 and
  p99 of each order's webhook-to-delivered latency, with the same percentiles to stored and to routed;
* ingest-only, in the same run and against the same hub and database: as many webhooks again, with fresh
  ids, posted the same way while nothing else runs (the worker and beat stopped; on the embedded stack
  ``orderhub serve`` alone on the same data), counted as acknowledged and found stored in the inbox per
  second: what the receiver alone takes with the machine to itself, the rate end to end is compared with;
* the check that every acknowledged order was stored, routed and is held by the fake exactly once under
  its ``orderKey``, with no delivery left undone; and from the worker log, each task's runtime and SQL
  statements per order (the hub's processes count statements per task: ``bench/statement_counts``).

A run stops by itself: deliveries that make no progress for ``--stall`` seconds, or take longer than
``--timeout`` from the first webhook, end the phase with what was delivered by then (and a non-zero exit).

    .venv/bin/python bench/end_to_end.py [--orders 5000] [--stack both|production|embedded]
        [--timeout 600] [--stall 120]

PostgreSQL and RabbitMQ are started by scripts/services unless HUB_TEST_POSTGRES_URL and
HUB_TEST_RABBITMQ_URL point at running ones. Logs go to var/bench/end_to_end-*/.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.delivery_timings import (  # noqa: E402
    Check,
    OrderTimes,
    TaskCost,
    exactly_once,
    order_times,
    percentile,
    task_costs,
)
from bench.fake_shipstation import Arrivals, FakeShipStationProcess  # noqa: E402
from bench.shopify_orders import SKUS, Sent, SignedOrder, send, signed_orders  # noqa: E402
from bench.webhooks import database as scratch_database  # noqa: E402
from hub.db.session import Database  # noqa: E402
from hub.inventory import receive  # noqa: E402
from tests.processes import free_port, hub_env, hub_process, wait_for  # noqa: E402
from tests.services import Services  # noqa: E402

SHOPIFY_SECRET = "bench-shopify-secret"  # noqa: S105 (a throwaway key for a local benchmark)
THREADS = 8
WARM_UP = 20
BATCHES = {"warm": 7_100_000_000_000, "measured": 7_200_000_000_000, "ingest": 7_300_000_000_000}
WAREHOUSES = {  # where each is: the ship-to addresses of bench/shopify_orders.py are in one state or the other
    "east": ["--name", "East DC", "--city", "Newark", "--region", "NJ", "--postal-code", "07114"],
    "west": ["--name", "West DC", "--city", "Dallas", "--region", "TX", "--postal-code", "75212"],
}
# the hub's processes count the SQL statements of each task (bench/statement_counts/sitecustomize.py)
COUNT_STATEMENTS = {
    "BENCH_COUNT_STATEMENTS": "1",
    "PYTHONPATH": os.pathsep.join(
        filter(None, [str(REPO / "bench" / "statement_counts"), os.environ.get("PYTHONPATH")])
    ),
}
PROCESSES = {
    "production": "orderhub serve --workers 2 --threads 4 + orderhub worker -c 2 (every queue) + orderhub beat",
    "embedded": "orderhub run (serve 2 x 4 threads, worker -c 2, beat)",
}


@dataclass
class Phase:
    """The measured end-to-end phase of one stack."""

    sent: Sent
    times: dict[str, OrderTimes]
    arrivals: Arrivals
    check: Check
    stopped: str  # why waiting ended: "all delivered", or the stall or timeout
    costs: dict[str, TaskCost] = field(default_factory=dict)
    load: tuple[float, float] = (0.0, 0.0)  # the machine's 1-minute load average when it started and ended


@dataclass
class StackResult:
    name: str
    phase: Phase
    ingest: Sent
    ingest_stored: int


def prefix(batch: str) -> str:
    """What the channel order ids of a batch start with."""
    return str(BATCHES[batch])[:2]


def event_prefix(batch: str) -> str:
    """What the webhook event ids of a batch start with (each stack has a database of its own)."""
    return f"bench-{batch}-"


# -- the hub ---------------------------------------------------------------------------------------------------


@contextmanager
def stack_urls(kind: str, services: Services, folder: Path, tag: str) -> Iterator[dict[str, str]]:
    if kind == "embedded":
        yield {
            "HUB_DATABASE_URL": f"sqlite:///{folder / 'orderhub.sqlite3'}",
            "HUB_BROKER_URL": f"sqla+sqlite:///{folder / 'broker.sqlite3'}",
            "HUB_DATA_DIR": str(folder),
        }
        return
    urls = services.get()
    with scratch_database(urls["HUB_TEST_POSTGRES_URL"], f"bench_e2e_{tag}") as database_url:
        broker_url = urls["HUB_TEST_RABBITMQ_URL"]
        yield {"HUB_DATABASE_URL": database_url, "HUB_BROKER_URL": broker_url, "HUB_DATA_DIR": str(folder)}


def cli(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "hub", *args], env=env, capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        raise SystemExit(f"orderhub {' '.join(args[:3])} failed: {done.stdout}{done.stderr}".strip())


def configure(env: dict[str, str], fake: FakeShipStationProcess, stock: int) -> None:
    """The account, the connector and the locations through the CLI, as an operator would; stock in one go."""
    cli(env, "db", "upgrade")
    cli(env, "channel", "add", "shopify", "bench", "--webhook-secret", "env:BENCH_SHOPIFY_SECRET")
    secrets = ["--secret", "api_key=env:BENCH_SS_KEY", "--secret", "api_secret=env:BENCH_SS_SECRET"]
    cli(env, "connector", "add", "shipstation", "main", "--set", f"base_url={fake.base_url}", *secrets)
    for location, fields in WAREHOUSES.items():
        common = ["--kind", "warehouse", "--country", "US", "--capability", "ship"]
        cli(env, "location", "add", location, *fields, *common, "--fulfilled-by", "shipstation:main")
    database = Database(env["HUB_DATABASE_URL"])
    with database.session() as session:
        for location in WAREHOUSES:
            for sku in SKUS:
                receive(session, sku, location, stock, source="bench")
    database.dispose()


def listening(port: int) -> bool:
    try:
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
        return True
    except requests.RequestException:
        return False


# -- waiting for deliveries ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    stored: int  # orders stored
    routed: int  # orders with fulfillment orders
    delivered: int  # deliveries delivered
    open: int  # deliveries not delivered yet
    failed: int  # webhooks the worker could not turn into an order (inbox messages failed)

    def done(self, expected: int) -> bool:
        return self.routed + self.failed >= expected and self.stored + self.failed >= expected and not self.open

    def __str__(self) -> str:
        done = f"{self.stored} stored, {self.routed} routed, {self.delivered} deliveries done, {self.open} to go"
        return done + (f", {self.failed} inbox messages failed" if self.failed else "")


COUNT_ROUTED = (
    "SELECT count(DISTINCT f.order_id) FROM fulfillment_orders f JOIN orders o ON o.id = f.order_id "
    "WHERE o.channel_order_id LIKE :p"
)
COUNT_DELIVERIES = (
    "SELECT d.status = 'delivered', count(*) FROM deliveries d JOIN orders o ON o.id = d.order_id "
    "WHERE o.channel_order_id LIKE :p GROUP BY d.status = 'delivered'"
)
COUNT_FAILED = "SELECT count(*) FROM inbox_messages WHERE dedupe_key LIKE :e AND status = 'failed'"


def progress(database: Database, batch: str) -> Progress:
    p, e = {"p": f"{prefix(batch)}%"}, {"e": f"%{event_prefix(batch)}%"}
    with database.session() as session:
        stored = session.scalar(text("SELECT count(*) FROM orders WHERE channel_order_id LIKE :p"), p) or 0
        routed = session.scalar(text(COUNT_ROUTED), p) or 0
        counts = {bool(done): int(n) for done, n in session.execute(text(COUNT_DELIVERIES), p).all()}
        failed = session.scalar(text(COUNT_FAILED), e) or 0
    return Progress(int(stored), int(routed), counts.get(True, 0), counts.get(False, 0), int(failed))


def wait_delivered(database: Database, batch: str, expected: int, deadline: float, stall: float) -> str:
    """Wait until every expected order is routed and each of its deliveries delivered (or its webhook failed
    in the worker); bounded by the deadline (wall clock) and by ``stall`` seconds without any change.
    Returns why it stopped."""
    last, changed, shown = None, time.time(), 0.0
    while True:
        now = progress(database, batch)
        if now.done(expected):
            return "all delivered" if not now.failed else f"all delivered but {now.failed} failed in the worker"
        if now != last:
            last, changed = now, time.time()
        if time.time() - shown > 10:
            print(f"    {now}", file=sys.stderr)
            shown = time.time()
        if time.time() - changed > stall:
            return f"STALLED: no progress for {stall:.0f} s ({now})"
        if time.time() > deadline:
            return f"TIMED OUT ({now})"
        time.sleep(1)


# -- the phases ------------------------------------------------------------------------------------------------


def measure(
    database: Database,
    fake: FakeShipStationProcess,
    url: str,
    batches: dict[str, list[SignedOrder]],
    log: Path,
    args: argparse.Namespace,
) -> Phase:
    """Warm up (20 orders, delivered before the clock starts), then the measured batch, then what it left."""
    warm = send(url, batches["warm"], threads=THREADS, deadline=time.time() + 120)
    if not warm.acked:
        raise SystemExit(f"warm-up: no webhook was acknowledged: {sorted(set(warm.failed.values()))}")
    reason = wait_delivered(database, "warm", len(warm.acked), time.time() + 180, stall=60)
    if reason != "all delivered":
        print(f"    warm-up: {reason}; see {log}", file=sys.stderr)
    offset, load = log.stat().st_size, os.getloadavg()[0]
    deadline = time.time() + args.timeout
    sent = send(url, batches["measured"], threads=THREADS, deadline=deadline)
    print(f"    {len(sent.acked)} webhooks acknowledged at {sent.acked_per_second:.0f}/s", file=sys.stderr)
    stopped = wait_delivered(database, "measured", len(sent.acked), deadline, args.stall)
    arrivals = fake.report()
    times = order_times(database, prefix("measured"), sent)
    check = exactly_once(database, (prefix("measured"), event_prefix("measured")), sent, times, arrivals)
    return Phase(sent, times, arrivals, check, stopped, task_costs(log, offset), (load, os.getloadavg()[0]))


def measure_ingest(
    database: Database, url: str, orders: list[SignedOrder], args: argparse.Namespace
) -> tuple[Sent, int]:
    """The same kind of webhooks with fresh ids, posted while no worker runs; how many were stored."""
    sent = send(url, orders, threads=THREADS, deadline=time.time() + args.timeout)
    with database.session() as session:
        query = text("SELECT count(*) FROM inbox_messages WHERE dedupe_key LIKE :p")
        stored = int(session.scalar(query, {"p": f"%{event_prefix('ingest')}%"}) or 0)
    return sent, stored


def run_stack(kind: str, args: argparse.Namespace, services: Services, root: Path, tag: str) -> StackResult:
    folder = root / kind
    folder.mkdir(parents=True)
    print(f"\n{kind}: {PROCESSES[kind]}", file=sys.stderr)
    counts = {"warm": WARM_UP, "measured": args.orders, "ingest": args.orders}
    batches = {
        batch: signed_orders(counts[batch], BATCHES[batch], event_prefix(batch), SHOPIFY_SECRET, seed=n)
        for n, batch in enumerate(BATCHES)
    }
    with FakeShipStationProcess() as fake, stack_urls(kind, services, folder, tag) as urls:
        secrets = {"BENCH_SS_KEY": fake.api_key, "BENCH_SS_SECRET": fake.api_secret}
        env = hub_env(**urls, BENCH_SHOPIFY_SECRET=SHOPIFY_SECRET, **secrets, **COUNT_STATEMENTS)
        configure(env, fake, stock=2 * (args.orders + WARM_UP))
        database = Database(urls["HUB_DATABASE_URL"])
        port = free_port()
        url = f"http://127.0.0.1:{port}/webhooks/shopify/bench"
        serve = ["serve", "--port", str(port), "--workers", "2", "--threads", "4"]
        try:
            with ExitStack() as web:
                if kind == "production":  # stays up for the ingest-only batch
                    web.enter_context(hub_process(serve, env, folder / "serve.log"))
                with ExitStack() as workers:
                    log = start_workers(kind, port, env, folder, workers)
                    wait_for(lambda: listening(port), "the web receiver", limit=90)
                    phase = measure(database, fake, url, batches, log, args)
                if kind == "embedded":  # the web receiver alone on the same data
                    web.enter_context(hub_process(serve, env, folder / "serve-ingest-only.log"))
                    wait_for(lambda: listening(port), "the web receiver", limit=90)
                ingest, stored = measure_ingest(database, url, batches["ingest"], args)
        finally:
            database.dispose()
    return StackResult(kind, phase, ingest, stored)


def start_workers(kind: str, port: int, env: dict[str, str], folder: Path, stack: ExitStack) -> Path:
    """The processes that do the work after the receiver; returns the log whose lines carry task runtimes."""
    if kind == "embedded":
        log = folder / "run.log"
        stack.enter_context(hub_process(["run", "--port", str(port)], env, log))
        return log
    log = folder / "worker.log"
    stack.enter_context(hub_process(["worker", "--concurrency", "2"], env, log))
    stack.enter_context(hub_process(["beat"], env, folder / "beat.log"))
    return log


# -- the report ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    delivered: int
    rate: float  # orders delivered per second, first webhook sent to last order delivered
    p50: float
    p99: float
    ingest_rate: float
    ok: bool


def figures(result: StackResult) -> Figures:
    phase = result.phase
    delivered = {cid: t.delivered(phase.arrivals) for cid, t in phase.times.items()}
    done = {cid: moment for cid, moment in delivered.items() if moment is not None}
    span = max(done.values(), default=phase.sent.first_sent) - phase.sent.first_sent
    latencies = [moment - phase.times[cid].sent for cid, moment in done.items()]
    ingest_ok = result.ingest_stored == len(result.ingest.acked) and not result.ingest.failed
    ok = phase.check.ok and phase.stopped == "all delivered" and ingest_ok
    return Figures(
        delivered=len(done),
        rate=len(done) / span if span > 0 else 0.0,
        p50=percentile(latencies, 0.50),
        p99=percentile(latencies, 0.99),
        ingest_rate=result.ingest.acked_per_second,
        ok=ok,
    )


def _stage(label: str, values: list[float]) -> str:
    return f"    webhook to {label:<10} p50 {percentile(values, 0.5):7.2f} s   p99 {percentile(values, 0.99):7.2f} s"


def report(result: StackResult) -> Figures:
    phase, got = result.phase, figures(result)
    times = [t for t in phase.times.values() if t.delivered(phase.arrivals) is not None]  # one population
    span = got.delivered / got.rate if got.rate else 0.0
    print(f"\n{result.name}: {PROCESSES[result.name]}")
    start, end = phase.load
    print(f"  machine load (1-minute average, {os.cpu_count()} cores) at the start and the end: {start:.1f}, {end:.1f}")
    print(
        f"  end to end: {got.delivered} of {len(phase.sent.sent_at)} orders delivered, the last {span:.1f} s after the "
        f"first webhook was sent: {got.rate:.1f} orders/s ({phase.stopped})"
    )
    print(f"  webhooks acknowledged meanwhile: {phase.sent.acked_per_second:.0f}/s")
    print("  percentiles over the orders delivered:")
    print(_stage("stored", [t.stored - t.sent for t in times]))
    print(_stage("routed", [routed - t.sent for t in times if (routed := t.routed()) is not None]))
    print(f"    webhook to delivered  p50 {got.p50:7.2f} s   p99 {got.p99:7.2f} s")
    ingest = result.ingest
    print(
        f"  ingest-only (the receiver alone, nothing else running): {len(ingest.acked)} acknowledged, "
        f"{result.ingest_stored} found stored, {len(ingest.failed)} failed: {ingest.acked_per_second:.0f}/s"
    )
    print(f"  end to end / ingest-only: {got.rate / got.ingest_rate if got.ingest_rate else 0:.2f}x")
    for line in phase.check.lines:
        print(f"  {line}")
    print(f"  exactly once, nothing lost: {'OK' if phase.check.ok else 'MISMATCH'}")
    print_costs(phase.costs, got.delivered)
    return got


def print_costs(costs: dict[str, TaskCost], orders: int) -> None:
    if not costs:
        print("  worker log: no task runtimes found")
        return
    print(
        "  worker log, tasks of the measured phase (runtimes of those that succeeded, summed over the pool's "
        "processes; SQL statements and CPU time of every run):"
    )
    for name, cost in sorted(costs.items(), key=lambda item: -item[1].seconds):
        each = 1000 * cost.seconds / cost.runs if cost.runs else 0.0
        per_order = 1000 * cost.seconds / orders if orders else 0.0
        counted = f"{cost.statements / orders:5.1f} statements, CPU {cost.cpu_ms / orders:4.1f} ms per order"
        print(
            f"    {name:<34}{cost.runs:>7} runs {each:8.1f} ms each {per_order:8.1f} ms per order "
            f"{counted if orders and cost.counted else ''}"
        )
    total = sum(cost.seconds for cost in costs.values())
    if orders:
        sent = sum(cost.statements for cost in costs.values())
        cpu = sum(cost.cpu_ms for cost in costs.values())
        print(
            f"    {'all tasks':<34}{'':>12}{'':>13}{1000 * total / orders:8.1f} ms per order "
            f"{sent / orders:5.1f} statements, CPU {cpu / orders:4.1f} ms per order"
        )


def summary(results: dict[str, Figures], orders: int) -> None:
    print(f"\nsummary: {orders} orders, 8 client threads, 2 warehouses fulfilled by a fake ShipStation on loopback")
    header = f"{'stack':<12}{'delivered':>10}{'orders/s':>10}{'p50 s':>8}{'p99 s':>8}{'ingest-only/s':>15}"
    print(f"{header}{'ratio':>7}  check")
    for name, got in results.items():
        ratio = got.rate / got.ingest_rate if got.ingest_rate else 0.0
        row = f"{name:<12}{got.delivered:>10}{got.rate:>10.1f}{got.p50:>8.2f}{got.p99:>8.2f}{got.ingest_rate:>15.0f}"
        print(f"{row}{ratio:>6.2f}x  {'OK' if got.ok else 'FAILED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=5000, help="orders in the measured batch (default 5000)")
    parser.add_argument("--stack", choices=["both", "production", "embedded"], default="both")
    parser.add_argument("--timeout", type=float, default=600, help="seconds from the first webhook to give up")
    parser.add_argument("--stall", type=float, default=120, help="seconds without progress to give up")
    args = parser.parse_args()
    kinds = ["production", "embedded"] if args.stack == "both" else [args.stack]
    tag = uuid.uuid4().hex[:8]
    root = REPO / "var" / "bench" / f"end_to_end-{tag}"
    services = Services()
    results: dict[str, Figures] = {}
    try:
        for kind in kinds:
            results[kind] = report(run_stack(kind, args, services, root, tag))
    finally:
        services.stop()
        for leftover in root.glob("*/*.sqlite3*"):
            leftover.unlink()
    summary(results, args.orders)
    print(f"logs: {root}")
    if not all(got.ok for got in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
