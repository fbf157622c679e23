"""Accounting export to a fake QuickBooks: journal entries per second through the hub's real export path,
beside bare HTTP posts of the same documents to the same fake, measured in the same run.

    .venv/bin/python bench/accounting_export.py                      # 50,000 orders, SQLite in a temp dir
    .venv/bin/python bench/accounting_export.py --orders 2000        # a quick run
    .venv/bin/python bench/accounting_export.py --database-url postgresql+psycopg://...   # an EMPTY database

1. Generates ``--orders`` orders over three channels and two currencies (a tenth of them refunded) in the
   database (migrated first) and adds a ``quickbooks:bench`` account pointing at the fake QuickBooks, which
   runs in this process on loopback (tests/fakes/quickbooks.py).
2. Times ``run_export`` (``orderhub export accounting quickbooks bench``): the journal scan, planning one
   delivery per entry, and sending them through the delivery engine, entries settled in the export ledger.
3. Posts the documents the fake received again, bare: one ``requests`` POST each (a fresh ``requestid``,
   duplicate numbers allowed), on one keep-alive session, no database. When the connector has a batch form,
   the same documents go bare through ``/batch`` as well (30 per call).

The ratio is the export's entries/s over the bare single posts/s: what the hub's bookkeeping (the ledger,
the outbox, retries, the export ledger) costs against only talking HTTP to the partner.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import yaml  # noqa: E402

from hub.accounting import export  # noqa: E402
from hub.canonical import Order  # noqa: E402
from hub.db import migrate  # noqa: E402
from hub.db.models import OrderEvent  # noqa: E402
from hub.db.session import Database  # noqa: E402
from hub.delivery.accounts import save_account  # noqa: E402
from hub.delivery.config import EngineConfig  # noqa: E402
from hub.orders.store import add_order  # noqa: E402
from hub.sdk import load_connector  # noqa: E402
from tests.accounting.builders import CHANNELS, money, order_document  # noqa: E402
from tests.fakes.quickbooks import ENTITIES, REALM, TOKEN, FakeQuickBooks  # noqa: E402

MAPPING = {
    "accounts": {
        "revenue": "79", "discounts": "81", "shipping_income": "80", "channel_fees": "90", "cost_of_goods": "91",
        "accounts_payable": "92", "other_income": "93", "restocking_fees": "93",
    },
    "tax": {"default": "82"},
    "clearing": {"default": "1", "shopify": "4"},
}  # fmt: skip
BATCH = 30  # QuickBooks: at most 30 operations per /batch call
SERVER_FIELDS = ("Id", "SyncToken", "TotalAmt")


def seed(database: Database, count: int) -> None:
    """``count`` orders placed over November, a tenth of them refunded in full, committed 1,000 at a time."""
    rng = random.Random(14)
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    for first in range(0, count, 1000):
        with database.session() as session:
            for number in range(first, min(first + 1000, count)):
                channel, account, currency = CHANNELS[number % len(CHANNELS)]
                placed = start + timedelta(minutes=number * 43_200 // max(count, 1))
                order = add_order(
                    session,
                    Order.model_validate(order_document(rng, channel, currency, 100_000 + number, placed)),
                    account=account,
                )
                if number % 10 == 3:
                    session.add(refund(order, placed + timedelta(days=1)))


def refund(order: Order, when: datetime) -> OrderEvent:
    line = order.lines[0]
    amount = money(line.total.amount, order.currency)
    data = {
        "channel_order_id": order.channel_order_id,
        "channel_refund_id": f"r-{order.channel_order_id}",
        "created_at": when.isoformat(),
        "currency": order.currency,
        "lines": [{"line_id": line.line_id, "quantity": line.quantity, "amount": amount}],
        "total": amount,
        "reason": "returned",
    }  # fmt: skip
    assert order.id is not None
    return OrderEvent(order_id=order.id, type="order.refund_recorded", source="bench", data=data)


@contextmanager
def timed(phases: dict[str, float], name: str, module: Any, attribute: str) -> Iterator[None]:
    """Time every call of ``module.attribute`` under ``name`` (the export's own phases, unchanged)."""
    original: Callable[..., Any] = getattr(module, attribute)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0.0) + time.perf_counter() - began

    setattr(module, attribute, wrapper)
    try:
        yield
    finally:
        setattr(module, attribute, original)


def export_run(database: Database, fake: FakeQuickBooks, tmp: Path) -> tuple[int, float, dict[str, float]]:
    mapping = tmp / "accounts.yaml"
    mapping.write_text(yaml.safe_dump(MAPPING))
    with database.session() as session:
        save_account(session, "quickbooks", "bench", fake.settings(mapping_file=str(mapping), timeout=30.0), {})
    phases: dict[str, float] = {}
    shown = [0.0]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - shown[0] > 5 or done == total:
            shown[0] = time.perf_counter()
            print(f"  sent {done}/{total}", file=sys.stderr)

    began = time.perf_counter()
    with timed(phases, "book", export, "build_journal"), timed(phases, "plan", export, "plan"):
        with timed(phases, "send", export, "send"):
            report = export.run_export(database, "quickbooks", "bench", engine=EngineConfig(), progress=progress)
    elapsed = time.perf_counter() - began
    if report.posted != report.planned:
        raise SystemExit(f"the export posted {report.posted} of {report.planned} entries: {dict(report.outcomes)}")
    return report.posted, elapsed, phases


def documents(fake: FakeQuickBooks) -> list[tuple[str, dict[str, Any]]]:
    """(path, body) of every sales receipt, refund receipt and journal entry the export created."""
    paths = {entity: path for path, entity in ENTITIES.items()}
    found = []
    for entity in ("SalesReceipt", "RefundReceipt", "JournalEntry", "Invoice", "Payment"):
        for row in fake.of(entity):
            found.append((paths[entity], {k: v for k, v in row.items() if k not in SERVER_FIELDS}))
    return found


def bare_posts(fake: FakeQuickBooks, docs: list[tuple[str, dict[str, Any]]]) -> float:
    """Seconds to post each document once more, one request each."""
    root = f"{fake.origin}/v3/company/{REALM}"
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    with requests.Session() as http:
        began = time.perf_counter()
        for path, body in docs:
            params = {"requestid": uuid.uuid4().hex, "include": "allowduplicatedocnum", "minorversion": "75"}
            answer = http.post(f"{root}/{path}", json=body, params=params, headers=headers, timeout=30)
            if answer.status_code != 200:
                raise SystemExit(f"a bare post was refused: {answer.status_code} {answer.text[:200]}")
        return time.perf_counter() - began


def bare_batches(fake: FakeQuickBooks, docs: list[tuple[str, dict[str, Any]]]) -> float:
    """Seconds to post each document once more through ``/batch``, 30 operations a call."""
    root = f"{fake.origin}/v3/company/{REALM}"
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    with requests.Session() as http:
        began = time.perf_counter()
        for start in range(0, len(docs), BATCH):
            items = [
                {"bId": uuid.uuid4().hex[:32], "operation": "create", ENTITIES[path]: body}
                for path, body in docs[start : start + BATCH]
            ]
            params = {"requestid": uuid.uuid4().hex, "include": "allowduplicatedocnum", "minorversion": "75"}
            answer = http.post(f"{root}/batch", json={"BatchItemRequest": items}, params=params, headers=headers)
            if answer.status_code != 200 or any("Fault" in i for i in answer.json()["BatchItemResponse"]):
                raise SystemExit(f"a bare batch was refused: {answer.status_code} {answer.text[:200]}")
        return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=50_000, help="orders to generate and export")
    parser.add_argument("--database-url", help="an empty database to use (default: SQLite in a temp dir)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the fake's access log
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        database = Database(args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}")
        migrate.upgrade(database)
        began = time.perf_counter()
        seed(database, args.orders)
        print(
            f"{args.orders} orders generated in {time.perf_counter() - began:.1f} s ({str(database.url).split(':')[0]})"
        )
        with FakeQuickBooks() as fake:
            entries, elapsed, phases = export_run(database, fake, tmp)
            docs = documents(fake)
            bare = bare_posts(fake, docs)
            batched = bare_batches(fake, docs) if export.takes_batches(load_connector("quickbooks")) else None
        database.dispose()
    rate, bare_rate = entries / elapsed, len(docs) / bare
    print(
        f"export:      {entries} entries in {elapsed:.1f} s = {rate:,.0f} entries/s  ("
        + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items())
        + ")"
    )
    print(f"bare posts:  {len(docs)} documents in {bare:.1f} s = {bare_rate:,.0f} posts/s (one POST each)")
    if batched is not None:
        print(f"bare /batch: {len(docs)} documents in {batched:.1f} s = {len(docs) / batched:,.0f} documents/s")
    print(f"ratio:       export / bare posts = {rate / bare_rate:.2f}")


if __name__ == "__main__":
    main()
