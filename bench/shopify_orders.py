"""Signed Shopify ``orders/create`` webhooks for the end-to-end benchmark, and the clients that send them.

Each order is the sample payload of ``bench/payloads/shopify_order.json`` with its own channel order id,
order number and event id, 1 to 3 lines drawn from 20 SKUs (1 or 2 units each, totals that add up, no tax),
and a ship-to address in New Jersey or Texas, so routing sends it to the nearer of the two warehouses.
Bodies and signatures are made before the clock starts; the senders only post.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import queue
import random
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

TEMPLATE = Path(__file__).resolve().parent / "payloads" / "shopify_order.json"
SKUS = [f"BENCH-{n:02d}" for n in range(20)]
PRICES = {sku: Decimal(9 + 3 * n) + Decimal("0.50") for n, sku in enumerate(SKUS)}
SHIPPING = Decimal("8.75")
SHIP_TO = {
    "east": {"address1": "1 Market", "city": "Newark", "province": "New Jersey", "province_code": "NJ", "zip": "07102"},
    "west": {"address1": "400 Elm St", "city": "Dallas", "province": "Texas", "province_code": "TX", "zip": "75201"},
}


@dataclass(frozen=True)
class SignedOrder:
    channel_order_id: str
    event_id: str
    body: bytes
    signature: str


@dataclass
class Sent:
    """What the clients did: when each order's POST started (wall clock, seconds), which were acknowledged."""

    sent_at: dict[str, float] = field(default_factory=dict)
    acked: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)  # channel order id -> status or error
    first_sent: float = 0.0
    last_answer: float = 0.0

    @property
    def acked_per_second(self) -> float:
        return len(self.acked) / max(self.last_answer - self.first_sent, 1e-9)


def _money(amount: Decimal) -> dict[str, Any]:
    value = {"amount": f"{amount:.2f}", "currency_code": "USD"}
    return {"shop_money": value, "presentment_money": dict(value)}


def _lines(template: dict[str, Any], rng: random.Random, order_id: int) -> list[dict[str, Any]]:
    lines = []
    for n, sku in enumerate(rng.sample(SKUS, rng.randint(1, 3))):
        line = copy.deepcopy(template)
        quantity = rng.randint(1, 2)
        line_id = order_id * 10 + n
        line.update(
            id=line_id,
            admin_graphql_api_id=f"gid://shopify/LineItem/{line_id}",
            sku=sku,
            title=f"Bench item {sku}",
            variant_title=None,
            name=f"Bench item {sku}",
            price=f"{PRICES[sku]:.2f}",
            price_set=_money(PRICES[sku]),
            tax_lines=[],
        )
        line.update(quantity=quantity, current_quantity=quantity, fulfillable_quantity=quantity)
        lines.append(line)
    return lines


def order_payload(template: dict[str, Any], order_id: int, rng: random.Random) -> dict[str, Any]:
    order = copy.deepcopy(template)
    lines = _lines(template["line_items"][0], rng, order_id)
    subtotal = sum((PRICES[line["sku"]] * line["quantity"] for line in lines), Decimal(0))
    total = subtotal + SHIPPING
    number = order_id % 10**12  # unique across the batches, whose ids differ in the 13th digit
    address = {**template["shipping_address"], **SHIP_TO[rng.choice(["east", "west"])]}
    for coordinate in ("latitude", "longitude"):
        address.pop(coordinate, None)
    order.update(
        id=order_id,
        admin_graphql_api_id=f"gid://shopify/Order/{order_id}",
        name=f"#B{number}",
        number=number,
        order_number=number,
        line_items=lines,
        shipping_address=address,
        tags="",
        tax_lines=[],
    )
    for name, amount in (("subtotal_price", subtotal), ("total_line_items_price", subtotal), ("total_price", total)):
        order.update({name: f"{amount:.2f}", f"{name}_set": _money(amount)})
    order.update(total_tax="0.00", total_tax_set=_money(Decimal(0)), current_total_tax="0.00")
    order.update(current_subtotal_price=f"{subtotal:.2f}", current_total_price=f"{total:.2f}")
    return order


def signed_orders(count: int, first_id: int, event_prefix: str, secret: str, seed: int) -> list[SignedOrder]:
    """``count`` orders with channel ids from ``first_id``, each signed with the account's webhook secret."""
    template = json.loads(TEMPLATE.read_text())
    rng = random.Random(seed)
    made = []
    for n in range(count):
        body = json.dumps(order_payload(template, first_id + n, rng), separators=(",", ":")).encode()
        signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
        made.append(SignedOrder(str(first_id + n), f"{event_prefix}{n}", body, signature))
    return made


def send(url: str, orders: list[SignedOrder], *, threads: int = 8, deadline: float, timeout: float = 30.0) -> Sent:
    """Post every order once from ``threads`` clients (a ``requests.Session`` each), as fast as answered;
    past ``deadline`` (wall clock) the clients stop, leaving the rest unsent (not in ``sent_at``)."""
    work: queue.SimpleQueue[SignedOrder] = queue.SimpleQueue()
    for order in orders:
        work.put(order)
    sent, lock = Sent(), threading.Lock()
    sent.first_sent = time.time()
    arguments = (url, work, sent, lock, deadline, timeout)
    clients = [threading.Thread(target=_client, args=arguments) for _ in range(threads)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    return sent


def _client(
    url: str, work: queue.SimpleQueue[SignedOrder], sent: Sent, lock: threading.Lock, deadline: float, timeout: float
) -> None:
    with requests.Session() as session:
        while time.time() < deadline:
            try:
                order = work.get_nowait()
            except queue.Empty:
                return
            headers = {
                "Content-Type": "application/json",
                "X-Shopify-Topic": "orders/create",
                "X-Shopify-Hmac-Sha256": order.signature,
                "X-Shopify-Event-Id": order.event_id,
            }
            started = time.time()
            try:
                status = session.post(url, data=order.body, headers=headers, timeout=timeout).status_code
                problem = None if 200 <= status < 300 else f"HTTP {status}"
            except requests.RequestException as exc:
                problem = type(exc).__name__
            with lock:
                sent.sent_at[order.channel_order_id] = started
                sent.last_answer = max(sent.last_answer, time.time())
                if problem is None:
                    sent.acked.add(order.channel_order_id)
                else:
                    sent.failed[order.channel_order_id] = problem
