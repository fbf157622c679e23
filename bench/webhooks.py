"""Webhook intake benchmark: the orderhub receiver against two bare endpoints, same run.

* the naive receiver: insert the body, publish one message with publisher confirms, per request;
* the physical limit: verify the Shopify HMAC and make one INSERT (one round trip), no publish. A receiver
  that must store every delivery before answering cannot do less; the hub's target is >= 0.9x of it.

All run under gunicorn with 2 worker processes (the hub with its own threaded worker, `orderhub serve`, 4
threads; the bare endpoint with gthread workers of 4 threads, the same concurrency; the naive one with sync
workers, as it was first measured) on the same PostgreSQL and RabbitMQ; a second process on loopback
sends signed Shopify orders/create deliveries (a fresh X-Shopify-Event-Id each, so none is a duplicate).

* closed loop: wrk, 8 connections, rounds alternating the three; medians of the rounds are reported
  (this machine is noisy: compare the ratios, not the absolute figures);
* open loop: 200 webhooks/s for a fixed time, latency measured from each request's scheduled send time.

After the hub's runs it checks that every acknowledged delivery is in the inbox and was handed to the broker.

    .venv/bin/python bench/webhooks.py [--seconds 10] [--rounds 3] [--rate 200]

Needs root + apt the first time (wrk, RabbitMQ); PostgreSQL and RabbitMQ are started by scripts/services
unless HUB_TEST_POSTGRES_URL and HUB_TEST_RABBITMQ_URL point at running ones.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

import requests
from kombu import Connection
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hub.worker.queues import INGEST, work_queues  # noqa: E402
from tests.processes import free_port, wait_for  # noqa: E402
from tests.services import Services  # noqa: E402

BODY = REPO / "bench" / "payloads" / "shopify_order.json"
SECRET = "bench-shopify-secret"  # noqa: S105 (a throwaway key for a local benchmark)
WORKERS = 2
THREADS = 4  # orderhub serve's default (HUB_WEB__THREADS)


def sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()


@contextmanager
def database(server_url: str, name: str):  # type: ignore[no-untyped-def]
    admin = create_engine(make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def server(command: list[str], env: dict[str, str], port: int, log: Path):  # type: ignore[no-untyped-def]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
        try:
            wait_for(lambda: _listening(port), f"{command[2]} to listen on {port}", limit=60)
            yield process
        finally:
            process.terminate()
            process.wait(timeout=30)


def _listening(port: int) -> bool:
    try:
        requests.get(f"http://127.0.0.1:{port}/", timeout=1)
        return True
    except requests.RequestException:
        return False


def gunicorn(port: int, worker_class: str) -> list[str]:
    """A baseline server: the naive receiver keeps sync workers (one kombu producer per process is not shared
    between threads); the bare endpoint gets the hub's own concurrency, THREADS threads per process."""
    threads = ["--threads", str(THREADS)] if worker_class == "gthread" else []
    command = [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-k", worker_class, *threads]
    return [*command, "-b", f"127.0.0.1:{port}", "bench.baseline_app:app"]


def wrk(url: str, seconds: int, run_id: str, signature: str) -> dict[str, float]:
    env = os.environ | {"BENCH_BODY": str(BODY), "BENCH_SIGNATURE": signature, "BENCH_RUN": run_id}
    result = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", "-s", str(REPO / "bench" / "wrk_shopify.lua"), url],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    requests_total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    failed = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return {
        "rate": (requests_total - failed) / seconds,
        "p50": _millis(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "p99": _millis(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),  # type: ignore[union-attr]
        "acknowledged": requests_total - failed,
        "failed": failed + errors,
    }


def _millis(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def open_loop(url: str, rate: int, seconds: int, run_id: str, signature: str) -> dict[str, float]:
    command = [
        sys.executable,
        str(REPO / "bench" / "open_loop.py"),
        url,
        str(BODY),
        signature,
        str(rate),
        str(seconds),
        run_id,
    ]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
        return
    sys.exit("bench/webhooks.py needs wrk (Debian package wrk)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rate", type=int, default=200)
    args = parser.parse_args()
    ensure_wrk()
    services = Services()
    body = BODY.read_bytes()
    signature = sign(body)
    tag = uuid.uuid4().hex[:8]
    logs = REPO / "var" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    try:
        urls = services.get()
        with ExitStack() as stack:
            hub_db = stack.enter_context(database(urls["HUB_TEST_POSTGRES_URL"], f"bench_hub_{tag}"))
            base_db = stack.enter_context(database(urls["HUB_TEST_POSTGRES_URL"], f"bench_base_{tag}"))
            hub_env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")} | {
                "HUB_DATABASE_URL": hub_db,
                "HUB_BROKER_URL": urls["HUB_TEST_RABBITMQ_URL"],
                "HUB_DATA_DIR": str(logs),
                "BENCH_SHOPIFY_SECRET": SECRET,
            }
            for command in (
                ["db", "upgrade"],
                ["channel", "add", "shopify", "bench", "--webhook-secret", "env:BENCH_SHOPIFY_SECRET"],
            ):
                subprocess.run([sys.executable, "-m", "hub", *command], env=hub_env, check=True, capture_output=True)
            base_env = os.environ | {
                "BENCH_DATABASE_URL": base_db,
                "BENCH_BROKER_URL": urls["HUB_TEST_RABBITMQ_URL"],
                "BENCH_SECRET": SECRET,
            }
            hub_port = free_port()
            stack.enter_context(
                server(
                    [sys.executable, "-m", "hub", "serve", "--port", str(hub_port), "--workers", str(WORKERS)],
                    hub_env,
                    hub_port,
                    logs / "hub.log",
                )
            )
            base_port, bare_port = free_port(), free_port()
            stack.enter_context(server(gunicorn(base_port, "sync"), base_env, base_port, logs / "baseline.log"))
            stack.enter_context(server(gunicorn(bare_port, "gthread"), base_env, bare_port, logs / "bare.log"))
            targets = {
                "baseline": f"http://127.0.0.1:{base_port}/webhook",
                "bare": f"http://127.0.0.1:{bare_port}/verify-insert",
                "orderhub": f"http://127.0.0.1:{hub_port}/webhooks/shopify/bench",
            }
            for name, url in targets.items():  # warm up: connections, pools, first publishes
                wrk(url, 2, f"{tag}-warm-{name}", signature)
            closed: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
            for round_number in range(args.rounds):
                for name, url in targets.items():
                    closed[name].append(wrk(url, args.seconds, f"{tag}-{round_number}-{name}", signature))
            opened = {
                name: open_loop(url, args.rate, args.seconds, f"{tag}-{name}", signature)
                for name, url in targets.items()
            }
            acknowledged = sum(run["acknowledged"] for run in closed["orderhub"]) + opened["orderhub"]["ok"]
            report(closed, opened, args)
            check_hub(hub_db, urls["HUB_TEST_RABBITMQ_URL"], acknowledged, tag)
    finally:
        services.stop()


def report(
    closed: dict[str, list[dict[str, float]]], opened: dict[str, dict[str, float]], args: argparse.Namespace
) -> None:
    median = {
        name: {key: statistics.median(run[key] for run in runs) for key in ("rate", "p50", "p99", "failed")}
        for name, runs in closed.items()
    }
    base, bare, hub = median["baseline"], median["bare"], median["orderhub"]
    print(f"\nclosed loop: wrk 8 connections, {args.rounds} rounds x {args.seconds}s, medians; {WORKERS} processes")
    print(f"{'receiver':<40}{'acked/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'failed':>8}")
    for label, row in (
        ("baseline: insert + confirmed publish", base),
        ("bare: verify HMAC + one INSERT", bare),
        ("orderhub /webhooks/shopify", hub),
    ):
        print(f"{label:<40}{row['rate']:>10.0f}{row['p50']:>9.2f}{row['p99']:>9.2f}{row['failed']:>8.0f}")
    print(f"orderhub / bare verify-and-insert: {hub['rate'] / bare['rate']:.2f}x (target >= 0.90x)")
    print(f"orderhub / insert-and-publish:     {hub['rate'] / base['rate']:.2f}x")
    rounds = {name: [round(run["rate"]) for run in runs] for name, runs in closed.items()}
    print(f"per-round rates: baseline {rounds['baseline']}, bare {rounds['bare']}, orderhub {rounds['orderhub']}")
    print(f"\nopen loop: {args.rate} webhooks/s for {args.seconds}s, latency from scheduled send time")
    for name, result in opened.items():
        ok = f"{result['ok']}/{result['count']} ok"
        print(f"{name:<40}{ok:>14}   p50 {result['p50_ms']:.2f} ms   p99 {result['p99_ms']:.2f} ms")
    print(f"orderhub p99 at {args.rate}/s: {opened['orderhub']['p99_ms']:.1f} ms (target < 100 ms)")


def check_hub(database_url: str, broker_url: str, acknowledged: float, tag: str) -> None:
    """Every acknowledged delivery must be stored, and every stored one published to the ingest queue (no worker
    runs during the benchmark, so the parse tasks are all still there to count)."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        stored = set(
            connection.execute(
                text("SELECT id FROM inbox_messages WHERE dedupe_key LIKE :p AND dedupe_key NOT LIKE '%warm%'"),
                {"p": f"%:{tag}-%"},
            ).scalars()
        )
    engine.dispose()
    published: set[int] = set()
    deadline = time.monotonic() + 30
    with Connection(broker_url) as connection:
        queue = connection.SimpleQueue(next(q for q in work_queues(amqp=True) if q.name == INGEST))
        while not stored <= published and time.monotonic() < deadline:
            try:
                message = queue.get(timeout=2)
            except queue.Empty:
                continue
            args, _kwargs, _embed = message.decode()
            published.update(args[0])
            message.ack()
        queue.close()
    print(
        f"\ninbox after the runs: {len(stored)} stored for {int(acknowledged)} acknowledged, "
        f"{len(stored & published)} of them published to the ingest queue"
    )
    # wrk counts only responses it read before its clock stopped; the server may have stored a few more
    if len(stored) < int(acknowledged) or not stored <= published:
        print("MISMATCH: an acknowledged delivery is missing or unpublished")
        sys.exit(1)


if __name__ == "__main__":
    main()
