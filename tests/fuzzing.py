"""Seeded mutation fuzzing of intake: signed, mutated channel payloads and mutated X12 files sent over real
HTTP to a receiver on loopback, then processed by the worker's own task, chunk by chunk.

What must hold whatever arrives: no answer is a 5xx; every accepted message ends processed, ignored or
failed with an error (or waits, with its reason and its attempts counted, for an order that has not arrived);
none stays ``received`` unexplained; nothing accepted is lost. ``tests/test_fuzz_intake.py`` runs a few
thousand cases per backend; ``bench/fuzz_intake.py`` runs as many as asked and prints counts by outcome.

Every case is signed after it is mutated, so it passes the door and reaches the code that reads it: the
point is what the hub does with well-authenticated garbage.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select
from werkzeug.serving import make_server

from hub.db.models import ChannelAccount, InboxMessage
from hub.edi.partners import parse_profile, save_partner
from hub.runtime import Runtime
from hub.settings import Settings
from hub.web.app import create_app
from hub.web.webhooks import _accounts
from hub.worker.app import create_celery
from tests.channels.signing import body_hmac, walmart_headers
from tests.http import KeepsUnderscoredHeaders

SAMPLES = Path(__file__).parent / "channels" / "samples"
X12_SAMPLES = Path(__file__).parent / "edi" / "samples"
CANONICAL_ORDER = Path(__file__).parent / "canonical" / "examples" / "order.v1.json"
SECRET = "fuzz-secret-7c1d0e55"
WHSEC = "whsec_" + base64.b64encode(b"fuzz-standard-webhooks-secret!!").decode()
EDI_TOKEN = "fuzz-edi-token-91ab"
ENVIRONMENT = {"FUZZ_SECRET": SECRET, "FUZZ_WHSEC": WHSEC, "FUZZ_EDI_TOKEN": EDI_TOKEN, "FUZZ_TOKEN": "t"}
CHUNK = 50  # as the relay publishes them

TOPICS = {
    "shopify": [
        "orders/create",
        "orders/updated",
        "orders/cancelled",
        "refunds/create",
        "fulfillments/create",
        "customers/redact",
        "shop/redact",
        "customers/data_request",
        "app/uninstalled",
    ],
    "woocommerce": ["order.created", "order.updated", "order.deleted", "order.restored", "product.updated"],
}
NASTY_VALUES: list[Any] = [
    None,
    "",
    "²",
    "١٢٣",
    "9" * 70,
    "x" * 5000,
    -1,
    0,
    2**63,
    1.5,
    True,
    [],
    {},
    [1, "a", None],
    {"nested": {"deeper": ["x"]}},
    "2026-02-30T25:61:00Z",
    "\u202egnp.exe",
    "\x00\x01",
]
RAW_TOKENS = ["9" * 5000, "1e400", "-1e400", "NaN", "Infinity", "[" * 1200 + "]" * 1200, '"\\ud800"', "0.1e-999999"]
X12_TOKENS = ["²", "", "-99999999999999999999", "9" * 90, "20261340", "2561", "A" * 300, "*", "~", "é", "0"]


@dataclass
class Case:
    channel: str
    path: str
    body: bytes
    headers: dict[str, str]
    kind: str  # the mutation applied


@dataclass
class Tally:
    http: Counter[str] = field(default_factory=Counter)
    final: Counter[str] = field(default_factory=Counter)
    mutations: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    unexplained: list[str] = field(default_factory=list)
    accepted: set[int] = field(default_factory=set)  # inbox ids the receiver answered "accepted" with
    lost: list[int] = field(default_factory=list)  # accepted but not in the inbox

    def lines(self) -> list[str]:
        shown = [f"cases by HTTP answer: {dict(sorted(self.http.items()))}"]
        shown.append(f"accepted messages by final status: {dict(sorted(self.final.items()))}")
        shown.append(f"mutations applied: {dict(sorted(self.mutations.items()))}")
        shown.append(
            f"5xx answers: {len(self.server_errors)}; left received unexplained: {len(self.unexplained)}; "
            f"accepted but lost: {len(self.lost)}"
        )
        return shown


# --- mutations ---------------------------------------------------------------------------------------


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _set(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return document


def _delete(document: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return document
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return document


def mutate_json(rng: random.Random, payload: Any) -> tuple[bytes, str]:
    """One structural or textual mutation of a JSON payload: (the bytes to send, what was done)."""
    document = json.loads(json.dumps(payload))
    paths = list(_paths(document))
    choice = rng.random()
    if choice < 0.4:
        document = _set(document, rng.choice(paths), rng.choice(NASTY_VALUES))
        return json.dumps(document).encode(), "value"
    if choice < 0.55:
        deletable = [path for path in paths if path]
        if deletable:
            document = _delete(document, rng.choice(deletable))
        return json.dumps(document).encode(), "delete"
    if choice < 0.75:  # a token no JSON encoder would write: huge numbers, NaN, deep nesting, lone surrogates
        marker = "__FUZZ_RAW__"
        document = _set(document, rng.choice(paths), marker)
        return json.dumps(document).encode().replace(f'"{marker}"'.encode(), rng.choice(RAW_TOKENS).encode()), "raw"
    text = bytearray(json.dumps(document).encode())
    if choice < 0.9 and text:
        for _ in range(rng.randint(1, 4)):
            text[rng.randrange(len(text))] = rng.randrange(256)
        return bytes(text), "bytes"
    return bytes(text[: rng.randrange(len(text) + 1)]), "truncate"


def mutate_x12(rng: random.Random, text: bytes) -> tuple[bytes, str]:
    """One mutation of an X12 file: an element's value, a segment dropped or repeated, bytes, truncation."""
    terminator = b"~" if b"~" in text else b"\n"
    segments = text.split(terminator)
    choice = rng.random()
    if choice < 0.45 and len(segments) > 2:
        index = rng.randrange(len(segments))
        elements = segments[index].split(b"*")
        position = rng.randrange(len(elements))
        elements[position] = rng.choice(X12_TOKENS).encode("latin-1")
        segments[index] = b"*".join(elements)
        return terminator.join(segments), "element"
    if choice < 0.6 and len(segments) > 3:
        del segments[rng.randrange(1, len(segments) - 1)]
        return terminator.join(segments), "drop-segment"
    if choice < 0.7 and len(segments) > 3:
        index = rng.randrange(1, len(segments) - 1)
        segments.insert(index, segments[index])
        return terminator.join(segments), "repeat-segment"
    data = bytearray(text)
    if choice < 0.9 and data:
        for _ in range(rng.randint(1, 3)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data), "bytes"
    return bytes(data[: rng.randrange(len(data) + 1)]), "truncate"


# --- seeds and signing ---------------------------------------------------------------------------------


def _json_samples(channel: str) -> list[Any]:
    return [json.loads(path.read_text()) for path in sorted((SAMPLES / channel).glob("*.json"))]


def _seeds() -> dict[str, list[Any]]:
    order = json.loads(CANONICAL_ORDER.read_text())
    order.pop("id", None)
    walmart = {
        "source": {"eventType": "PO_CREATED", "eventId": "e-1", "eventTime": "2026-03-06T15:01:05.000Z"},
        "payload": {"purchaseOrderId": "1796277083022", "customerOrderId": "200090000000001"},
    }
    return {
        "shopify": _json_samples("shopify"),
        "woocommerce": _json_samples("woocommerce"),
        "bigcommerce": [sample for sample in _json_samples("bigcommerce") if "scope" in sample],
        "etsy": [sample for sample in _json_samples("etsy") if "event_type" in sample or "resource_url" in sample],
        "walmart": [walmart],
        "standard": [{"type": "order.created", "data": order}, {"type": "order.updated", "data": order}],
    }


def _x12_seeds() -> list[bytes]:
    return [path.read_bytes() for path in sorted(X12_SAMPLES.glob("*.x12"))]


def _signed(channel: str, path: str, body: bytes, topic: str | None, event_id: str) -> dict[str, str]:
    if channel == "shopify":
        return {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic or "orders/create",
            "X-Shopify-Hmac-Sha256": body_hmac(SECRET, body),
            "X-Shopify-Shop-Domain": "fuzz.myshopify.com",
            "X-Shopify-Event-Id": event_id,
            "X-Shopify-Webhook-Id": event_id,
        }
    if channel == "woocommerce":
        return {
            "Content-Type": "application/json",
            "X-WC-Webhook-Topic": topic or "order.created",
            "X-WC-Webhook-Signature": body_hmac(SECRET, body),
            "X-WC-Webhook-Delivery-ID": event_id,
        }
    if channel == "walmart":
        headers = walmart_headers(SECRET, "POST", path, body)
        return {name.replace("_", "-"): value for name, value in headers.items()} | {"Content-Type": "application/json"}
    key = SECRET.encode() if channel == "bigcommerce" else base64.b64decode(WHSEC.removeprefix("whsec_"))
    return _standard_webhooks(key, body, event_id) | {"Content-Type": "application/json"}


def _standard_webhooks(key: bytes, body: bytes, message_id: str) -> dict[str, str]:
    """Standard Webhooks headers over the raw bytes (the reference library signs text, and a mutated body may
    not be UTF-8)."""
    stamp = str(int(time.time()))
    digest = hmac.new(key, f"{message_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    signature = "v1," + base64.b64encode(digest).decode()
    return {"webhook-id": message_id, "webhook-timestamp": stamp, "webhook-signature": signature}


class FuzzCases:
    """Cases drawn from a seeded generator: the same seed gives the same cases."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seeds = _seeds()
        self.x12 = _x12_seeds()
        self.count = 0

    def next(self) -> Case:
        self.count += 1
        event_id = f"fuzz-{self.count}-{self.rng.randrange(10**9)}"
        if self.rng.random() < 0.25:
            body, kind = mutate_x12(self.rng, self.rng.choice(self.x12))
            headers = {"Authorization": f"Bearer {EDI_TOKEN}", "Content-Type": "application/edi-x12"}
            return Case("x12", "/edi/fuzzpartner", body, headers, f"x12:{kind}")
        channel = self.rng.choice(sorted(self.seeds))
        path = f"/webhooks/{channel}/fuzz"
        body, kind = mutate_json(self.rng, self.rng.choice(self.seeds[channel]))
        topics = TOPICS.get(channel)
        topic = self.rng.choice(topics) if topics else None
        return Case(channel, path, body, _signed(channel, path, body, topic, event_id), f"{channel}:{kind}")


# --- the hub under test --------------------------------------------------------------------------------


class _NotFound(BaseHTTPRequestHandler):
    """Every channel API call a read-back makes gets a 404: the fuzz is about intake, not the channels."""

    def do_GET(self) -> None:  # noqa: N802 (the http.server hook's name)
        body = b'{"errors":["not found"]}'
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return


class _Quiet(KeepsUnderscoredHeaders):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return


@contextmanager
def fuzz_hub(settings: Settings) -> Iterator[tuple[str, Runtime, Callable[[list[int]], Any]]]:
    """A receiver on loopback for ``settings`` with an account on every webhook channel and an EDI partner,
    the runtime it stores through, and the worker's ``hub.ingest.parse_many`` task to run chunks with."""
    api = HTTPServer(("127.0.0.1", 0), _NotFound)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{api.server_port}"
    runtime = Runtime(settings)
    celery = create_celery(settings, runtime)
    _add_accounts(runtime, base_url)
    server = make_server("127.0.0.1", 0, create_app(settings), threaded=True, request_handler=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", runtime, celery.tasks["hub.ingest.parse_many"]
    finally:
        server.shutdown()
        api.shutdown()
        runtime.close()
        _accounts.clear()


def _add_accounts(runtime: Runtime, base_url: str) -> None:
    common = {"base_url": base_url, "webhook_secrets": ["env:FUZZ_SECRET"]}
    accounts = {
        "shopify": common | {"access_token": "env:FUZZ_TOKEN"},
        "woocommerce": common | {"consumer_key": "env:FUZZ_TOKEN", "consumer_secret": "env:FUZZ_TOKEN"},
        "bigcommerce": common | {"access_token": "env:FUZZ_TOKEN"},
        "etsy": common
        | {"webhook_secrets": ["env:FUZZ_WHSEC"], "shop_id": "1", "api_key": "env:FUZZ_TOKEN"}
        | {"access_token": "env:FUZZ_TOKEN"},
        "walmart": common | {"client_id": "env:FUZZ_TOKEN", "client_secret": "env:FUZZ_TOKEN"},
        "standard": {"webhook_secrets": ["env:FUZZ_WHSEC"]},
    }
    profile = {
        "theirs": {"qualifier": "ZZ", "id": "FUZZSENDER", "gs_id": "FUZZSENDER"},
        "ours": {"qualifier": "ZZ", "id": "ORDERHUB", "gs_id": "ORDERHUB"},
        "control_version": "00401",
        "gs_version": "004010",
        "inbound_http": {"token": "env:FUZZ_EDI_TOKEN"},
    }
    with runtime.database.session() as session:
        for channel, settings in accounts.items():
            session.add(ChannelAccount(channel=channel, account="fuzz", settings=settings))
        save_partner(session, "fuzzpartner", name="Fuzz", kind="trading_partner", profile=parse_profile(profile))
    _accounts.clear()


def run_cases(url: str, runtime: Runtime, parse_many: Callable[[list[int]], Any], cases: FuzzCases, n: int) -> Tally:
    """Send ``n`` cases, process what was accepted in relay-sized chunks, and tally how each one ended."""
    tally = Tally()
    http = requests.Session()
    accepted: list[int] = []
    for _ in range(n):
        case = cases.next()
        tally.mutations[case.kind.split(":")[1]] += 1
        try:
            answer = http.post(url + case.path, data=case.body, headers=case.headers, timeout=30)
        except requests.RequestException as exc:
            tally.http["no answer"] += 1
            tally.server_errors.append(f"{case.kind}: {exc}")
            continue
        tally.http[str(answer.status_code)] += 1
        if answer.status_code >= 500:
            tally.server_errors.append(f"{case.kind}: {answer.status_code} {answer.text[:200]}")
            continue
        inbox_id = _accepted_id(answer)
        if inbox_id is not None:
            accepted.append(inbox_id)
            tally.accepted.add(inbox_id)
        if len(accepted) >= CHUNK:
            parse_many(accepted)
            accepted = []
    if accepted:
        parse_many(accepted)
    _tally_final(runtime, tally)
    return tally


def _accepted_id(answer: requests.Response) -> int | None:
    """The inbox id of a stored message: an accepted delivery, or one stored and answered with an error (an
    upload that is not X12 is kept and answered 422); None for a duplicate or a refusal that stored nothing."""
    try:
        data = answer.json()
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("status") == "duplicate":
        return None
    found = data.get("id", data.get("inbox_id")) if data.get("status") == "accepted" else data.get("inbox_id")
    return int(found) if isinstance(found, int) else None


def _tally_final(runtime: Runtime, tally: Tally) -> None:
    with runtime.database.session() as session:
        rows = session.execute(select(InboxMessage.id, InboxMessage.status, InboxMessage.error, InboxMessage.attempts))
        stored = set()
        for row in rows:
            stored.add(row.id)
            if row.status == "received":
                waiting = bool(row.error) and "has not been received" in row.error and row.attempts > 0
                tally.final["received (waiting for its order)" if waiting else "received"] += 1
                if not waiting:
                    tally.unexplained.append(f"inbox {row.id}: attempts {row.attempts}, error {row.error!r}")
            else:
                tally.final[row.status] += 1
                if row.status == "failed" and not row.error:
                    tally.unexplained.append(f"inbox {row.id}: failed without an error")
    tally.lost = sorted(tally.accepted - stored)
