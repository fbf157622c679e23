"""A whole hub for the end-to-end tests: real ``orderhub`` processes (``run``, or ``serve``/``worker``/``beat``
started one by one so a test can kill a worker), the ``orderhub`` command run in this process against the
same database and broker, signed Shopify orders posted over HTTP, and what the tests wait for.

Settings that are intervals are short (sweeps every second, polls every few), so a test waits for the hub's
own schedule instead of kicking tasks itself. Secrets are ``file:`` references, readable by the processes
and by the commands run here alike.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from sqlalchemy import func, select

from hub.cli import main
from hub.db import migrate
from hub.db.models import Delivery, FulfillmentOrderRecord, InboxMessage, OrderEvent, OrderRecord
from hub.db.session import Database
from hub.settings import load_settings
from hub.worker.app import create_celery
from tests.channels.signing import body_hmac
from tests.edi.transports.sshd import Sshd
from tests.fakes.server import FakeServer
from tests.fakes.shipstation import FakeShipStation
from tests.processes import free_port, hub_env, wait_for
from tests.services import REPO, SCRIPT, read_env_file
from tests.stacks import purge_queues

SAMPLE = Path(__file__).resolve().parents[1] / "channels" / "samples" / "shopify" / "orders_create.json"
SHOPIFY_SECRET = "shpss_e2e_5b9d0c7e1f2a4b6c8d0e2f4a6b8c0d1e"  # noqa: S105 - a test value
WEBHOOK_TOKEN = "ss-webhook-token-e2e-0123456789"  # noqa: S105 - a test value

# Intervals short enough for tests; the hub's defaults are minutes.
FAST = {
    "HUB_WEB__WORKERS": "1",
    "HUB_WORKER__CONCURRENCY": "2",
    "HUB_WORKER__SWEEP_SECONDS": "2",
    "HUB_WORKER__ROUTE_SWEEP_SECONDS": "5",
    "HUB_WORKER__EDI_POLL_SECONDS": "5",
    "HUB_WORKER__DELIVERY_SWEEP_SECONDS": "1",
    "HUB_WORKER__DELIVERY_POLL_SECONDS": "5",
    "HUB_WORKER__DELIVERY_LEASE_SECONDS": "30",
    "HUB_WORKER__RETRY_BASE_SECONDS": "1",
    "HUB_WORKER__RETRY_CAP_SECONDS": "2",
    "HUB_WORKER__BREAKER_OPEN_SECONDS": "2",
}


def shopify_order(number: int, lines: dict[str, int]) -> dict[str, Any]:
    """A Shopify ``orders/create`` body (the channel's sample) numbered ``number`` with ``lines`` (SKU: units)."""
    order: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    template = order["line_items"][0]
    order.update(id=7_100_000_000_000 + number, order_number=number, name=f"#{number}")
    order["line_items"] = [
        {
            **template,
            "id": 8_200_000_000_000 + number * 10 + position,
            "sku": sku,
            "quantity": units,
            "fulfillable_quantity": units,
            "variant_id": 9_300_000_000_000 + position,
            "product_id": 9_400_000_000_000 + position,
        }
        for position, (sku, units) in enumerate(lines.items(), 1)
    ]
    return order


def shopify_headers(body: bytes, event_id: str, secret: str = SHOPIFY_SECRET) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": body_hmac(secret, body),
        "X-Shopify-Shop-Domain": "e2e-goods.myshopify.com",
        "X-Shopify-API-Version": "2025-10",
        "X-Shopify-Event-Id": event_id,
        "X-Shopify-Webhook-Id": f"wh-{event_id}",
        "X-Shopify-Triggered-At": "2026-11-20T14:14:06.123456Z",
    }


@dataclass
class Hub:
    """One hub under test: its settings, database, processes and this process's view of them."""

    stack: dict[str, str]
    root: Path
    settings: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.database = Database(self.stack["HUB_DATABASE_URL"])
        self.secrets = self.root / "secrets"
        self.secrets.mkdir(parents=True, exist_ok=True)
        self.logs: list[Path] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return hub_env(**{**self.stack, **FAST, **self.settings, "HUB_WEB__PORT": str(self.port)})

    # -- set-up --

    def prepare(self) -> None:
        """Migrate, empty the broker's queues of anything an earlier hub left, add the Shopify account."""
        migrate.upgrade(self.database)
        settings = load_settings(
            data_dir=self.stack["HUB_DATA_DIR"],
            database_url=self.stack["HUB_DATABASE_URL"],
            broker_url=self.stack["HUB_BROKER_URL"],
        )
        celery = create_celery(settings)
        purge_queues(celery)
        celery.hub.close()  # type: ignore[attr-defined]
        self.cli("channel", "add", "shopify", "shop1", "--webhook-secret", self.secret("shopify", SHOPIFY_SECRET))

    def secret(self, name: str, value: str) -> str:
        """A ``file:`` reference to ``value`` (rewritten in place when the test changes it)."""
        path = self.secrets / name
        path.write_text(value)
        return f"file:{path}"

    def run_cli(self, *args: str) -> tuple[int, str, str]:
        """``orderhub ARGS`` run in this process against this hub: exit code, stdout, stderr."""
        out, err = io.StringIO(), io.StringIO()
        settings = {key: value for key, value in self.env().items() if key.startswith("HUB_")}
        saved = {key: os.environ.get(key) for key in settings}
        os.environ.update(settings)
        code: int | str | None = 0
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                main(list(args))
        except SystemExit as exc:
            code = exc.code
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        return (0 if code is None else int(code)), out.getvalue(), err.getvalue()

    def cli(self, *args: str) -> str:
        """The output of ``orderhub ARGS``, which must succeed."""
        code, out, err = self.run_cli(*args)
        assert code == 0, f"orderhub {' '.join(args)} failed ({code}): {err}{out}"
        return out

    def location(self, location_id: str, fulfilled_by: str, **stock: int) -> None:
        self.cli(
            "location", "add", location_id, "--name", location_id, "--kind", "warehouse", "--capability", "ship",
            "--lat", "40.7", "--lon", "-74.0", "--country", "US", "--fulfilled-by", fulfilled_by,
        )  # fmt: skip
        for sku, units in stock.items():
            self.cli("stock", "adjust", sku, location_id, str(units))

    # -- processes --

    def start(self, *parts: str) -> None:
        """Start ``orderhub PART`` for each part (``run``, ``serve``, ``worker``, ``beat``), each in a process
        group of its own, and wait until the web receiver answers when one was started."""
        for part in parts:
            self.start_part(part)
        if {"run", "serve"} & set(parts):
            wait_for(self._answers, "the hub to answer /healthz", limit=120)

    def start_part(self, part: str, *args: str) -> subprocess.Popen[bytes]:
        name = part if part not in self.processes else f"{part}-{len(self.logs)}"
        log = self.root / f"{part}-{len(self.logs)}.log"  # a replaced process's log is kept
        self.logs.append(log)
        extra = ["--port", str(self.port)] if part in ("run", "serve") else []
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "hub", part, *extra, *args],
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def kill(self, name: str) -> None:
        """SIGKILL the process group of ``name`` (a worker and its pool processes): a crash, nothing cleaned up."""
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes.values():
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()
        self.database.dispose()

    def _answers(self) -> bool:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(f"orderhub {name} exited with {process.returncode}: {self.log_text()[-3000:]}")
        try:
            return requests.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def log_text(self) -> str:
        return "\n".join(f"== {log.name}\n{log.read_text(errors='replace')}" for log in self.logs if log.exists())

    def tracebacks(self) -> list[str]:
        """Tracebacks the processes logged (none are expected: every failure is handled and named)."""
        return [log.name for log in self.logs if log.exists() and "Traceback" in log.read_text(errors="replace")]

    # -- input --

    def post_order(self, number: int, lines: dict[str, int], secret: str = SHOPIFY_SECRET) -> requests.Response:
        body = json.dumps(shopify_order(number, lines)).encode()
        headers = shopify_headers(body, f"evt-{number}", secret)
        return requests.post(f"{self.url}/webhooks/shopify/shop1", data=body, headers=headers, timeout=30)

    def place(self, number: int, lines: dict[str, int]) -> None:
        response = self.post_order(number, lines)
        assert response.status_code == 200 and response.json()["status"] == "accepted", response.text

    # -- what the database says --

    def order_id(self, number: int) -> str | None:
        with self.database.session() as session:
            query = select(OrderRecord.id).where(OrderRecord.channel_order_id == str(7_100_000_000_000 + number))
            return session.scalars(query).first()

    def wait_order(self, number: int, limit: float = 90) -> str:
        return wait_for(lambda: self.order_id(number), f"order {number} to be stored", limit=limit)

    def status(self, order_id: str) -> str | None:
        with self.database.session() as session:
            row = session.get(OrderRecord, order_id)
            return None if row is None else row.status

    def wait_status(self, order_id: str, status: str, limit: float = 120) -> None:
        wait_for(lambda: self.status(order_id) == status, f"order {order_id} to be {status}", limit=limit)

    def fulfillment_orders(self, order_id: str) -> dict[str, FulfillmentOrderRecord]:
        """The order's fulfillment orders by location."""
        with self.database.session() as session:
            rows = session.scalars(select(FulfillmentOrderRecord).where(FulfillmentOrderRecord.order_id == order_id))
            found = {row.location_id: row for row in rows}
            session.expunge_all()
        return found

    def deliveries(self, destination: str) -> list[Delivery]:
        with self.database.session() as session:
            rows = list(session.scalars(select(Delivery).where(Delivery.destination == destination)))
            session.expunge_all()
        return rows

    def delivery_statuses(self, destination: str) -> dict[str, int]:
        with self.database.session() as session:
            query = (
                select(Delivery.status, func.count())
                .where(Delivery.destination == destination)
                .group_by(Delivery.status)
            )
            return {str(status): int(count) for status, count in session.execute(query)}

    def events(self, order_id: str, kind: str) -> list[OrderEvent]:
        with self.database.session() as session:
            query = select(OrderEvent).where(OrderEvent.order_id == order_id, OrderEvent.type == kind)
            rows = list(session.scalars(query.order_by(OrderEvent.id)))
            session.expunge_all()
        return rows

    def connector_messages(self, channel: str, account: str) -> list[InboxMessage]:
        with self.database.session() as session:
            query = select(InboxMessage).where(InboxMessage.channel == channel, InboxMessage.account == account)
            query = query.order_by(InboxMessage.id)
            rows = list(session.scalars(query))
            session.expunge_all()
        return rows

    def order_view(self, order_id: str) -> dict[str, Any]:
        return dict(json.loads(self.cli("order", "show", order_id, "--json")))


@contextlib.contextmanager
def running_hub(stack: dict[str, str], root: Path, *parts: str, **settings: str) -> Iterator[Hub]:
    """A prepared hub with ``parts`` started (``run`` when none are named); stopped when the block ends."""
    hub = Hub(stack, root, dict(settings))
    hub.prepare()
    try:
        hub.start(*(parts or ("run",)))
        yield hub
    finally:
        hub.stop()


def eventually(probe: Callable[[], Any], what: str, limit: float = 120) -> Any:
    """``wait_for`` with the generous limit these tests use (a loaded 2-core machine runs every process)."""
    return wait_for(probe, what, limit=limit, every=0.25)


def stack_for(request: pytest.FixtureRequest, kind: str, root: Path) -> Iterator[dict[str, str]]:
    """The ``stack`` fixture's variables, the database a copy of the migrated template (the first migration is
    the subject of tests/test_cli.py, not of these); on RabbitMQ, in a virtual host of the hub's own (see
    ``own_vhost``)."""
    from tests.stacks import stack_urls

    for urls in stack_urls(request, kind, root, migrated=True):
        if kind == "embedded":
            yield urls
            continue
        with own_vhost(urls["HUB_BROKER_URL"]) as broker:
            yield {**urls, "HUB_BROKER_URL": broker}


@contextlib.contextmanager
def own_vhost(url: str) -> Iterator[str]:
    """``url`` moved to a new virtual host on the same RabbitMQ, removed afterwards. Sessions run with only
    HUB_TEST_RABBITMQ_URL set share its virtual host, where one session's queue purge would drop another's
    messages and two workers of the same name cannot both hold their control queue. When the server is not
    one ``scripts/services`` started (no services.env names its port), ``url`` is used as it is."""
    state = _services_dir(url)
    if state is None:
        yield url
        return
    name = f"e2e-{uuid.uuid4().hex[:10]}"
    script = ["bash", str(SCRIPT), "vhost"]
    added = subprocess.run([*script, "add", name, str(state)], capture_output=True, text=True, timeout=120)
    assert added.returncode == 0, f"could not add RabbitMQ vhost {name}: {added.stdout}{added.stderr}"
    try:
        yield urlunsplit(urlsplit(url)._replace(path="/" + name))
    finally:
        subprocess.run([*script, "delete", name, str(state)], capture_output=True, text=True, timeout=120)


def _services_dir(url: str) -> Path | None:
    port = urlsplit(url).port
    candidates = [Path(os.environ["HUB_TEST_SERVICES_DIR"])] if os.environ.get("HUB_TEST_SERVICES_DIR") else []
    candidates += sorted((REPO / "var").glob("*/"))
    for state in candidates:
        env = state / "services.env"
        if env.exists() and urlsplit(read_env_file(env).get("HUB_TEST_RABBITMQ_URL", "")).port == port:
            return state
    return None


def wait_seconds(seconds: float) -> None:
    """Let the hub's schedule run a while (only to show that something does NOT happen meanwhile)."""
    time.sleep(seconds)


def add_shipstation(hub: Hub, account: str, fake: FakeShipStation) -> str:
    """A ShipStation account that reaches ``fake``; its webhook URL (the token as its last part) is returned."""
    hub.cli(
        "connector", "add", "shipstation", account, "--set", f"base_url={fake.base_url}", "--set", "timeout=10",
        "--secret", f"api_key={hub.secret(f'ss-{account}-key', fake.api_key)}",
        "--secret", f"api_secret={hub.secret(f'ss-{account}-secret', fake.api_secret)}",
        "--secret", f"webhook_secret={hub.secret(f'ss-{account}-webhook', WEBHOOK_TOKEN)}",
    )  # fmt: skip
    return f"{hub.url}/webhooks/connectors/shipstation/{account}/{WEBHOOK_TOKEN}"


def add_csv_3pl(hub: Hub, account: str, server: Sshd) -> tuple[Path, Path]:
    """A csv-3pl account whose folders are on ``server`` over SFTP (host key pinned); (outbox, inbox) as
    this machine sees them."""
    outbox, inbox = server.directory(f"{account}-out"), server.directory(f"{account}-in")
    hub.cli(
        "connector", "add", "csv-3pl", account, "--set", "sftp_host=127.0.0.1", "--set", f"sftp_port={server.port}",
        "--set", f"sftp_username={server.user}", "--set", f"sftp_host_key={server.public_key_line('ed25519')}",
        "--set", f"outbox={outbox}", "--set", f"inbox={inbox}", "--set", "timeout_seconds=20",
        "--secret", f"sftp_password={hub.secret(f'csv-{account}-password', server.password)}",
    )  # fmt: skip
    return outbox, inbox


def drop_confirmation(inbox: Path, name: str, rows: list[dict[str, str]], age: float = 60.0) -> Path:
    """A shipment confirmation CSV as the warehouse leaves it (settled: dated ``age`` seconds back)."""
    columns = list(rows[0])
    text = ",".join(columns) + "\r\n" + "".join(",".join(row[c] for c in columns) + "\r\n" for row in rows)
    partial = inbox / f".{name}.part"
    partial.write_text(text, encoding="utf-8")
    moment = time.time() - age
    os.utime(partial, (moment, moment))
    path = inbox / name
    partial.rename(path)
    return path


def heal(fake: FakeServer) -> None:
    """The partner is back: drop the failures still injected into ``fake``."""
    with fake._lock:
        fake._failures.clear()
