"""Faults on PostgreSQL + RabbitMQ with real ``orderhub serve``, ``worker`` and ``beat`` processes; each test
ends with every order at the fake ShipStation exactly once (counted by ``orderKey``, the fulfillment order's
id) and every delivery delivered.

* a worker killed with SIGKILL while a request to the 3PL hangs: a new worker, and the sweep taking the
  delivery back when its lease runs out, send it again, and the 3PL keeps one order;
* the 3PL answering 503 and 429 with ``Retry-After`` for a while, then recovering;
* a 3PL down long enough to open its circuit breaker while another 3PL keeps receiving;
* a 401 pausing the destination: held even once the credentials are fixed, until ``orderhub connector resume``;
* a delivery dead after its retries, sent by ``orderhub deliveries replay``.

The tests share one hub (each with its own ShipStation account, location and SKU).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from hub.db.models import DeliveryDestination
from hub.db.models.base import as_utc, utcnow
from tests.e2e.setup import Hub, add_shipstation, eventually, heal, running_hub, stack_for, wait_seconds
from tests.fakes.shipstation import FakeShipStation

ATTEMPTS = 4  # before a delivery is dead; the faults below fail any one delivery at most three times


@pytest.fixture(scope="module")
def hub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    root = tmp_path_factory.mktemp("faults")
    settings = {"HUB_WORKER__RETRY_MAX_ATTEMPTS": str(ATTEMPTS), "HUB_WORKER__BREAKER_THRESHOLD": "3"}
    for stack in stack_for(request, "production", root):
        with running_hub(stack, root, "serve", "beat", "worker", **settings) as running:
            yield running


@pytest.fixture
def shipstation() -> Iterator[FakeShipStation]:
    with FakeShipStation() as fake:
        yield fake


def deliveries_to(hub: Hub, fake: FakeShipStation, destination: str, numbers: list[int]) -> None:
    """Each order once at the fake, under its fulfillment order's id, and each delivery delivered."""
    delivered = hub.deliveries(destination)
    assert len(delivered) == len(numbers) and {d.status for d in delivered} == {"delivered"}, delivered
    keys = sorted(d.subject_id for d in delivered)
    assert sorted(order["orderKey"] for order in fake.orders.values()) == keys
    assert sorted(order["orderNumber"] for order in fake.orders.values()) == sorted(f"#{n}" for n in numbers)


def all_delivered(hub: Hub, destination: str, count: int) -> bool:
    return hub.delivery_statuses(destination) == {"delivered": count}


def attempts(hub: Hub, delivery_id: int) -> list[dict[str, object]]:
    return list(json.loads(hub.cli("deliveries", "show", str(delivery_id), "--json"))["attempts"])


def breaker(hub: Hub, destination: str) -> DeliveryDestination | None:
    with hub.database.session() as session:
        row = session.get(DeliveryDestination, destination)
        if row is not None:
            session.expunge(row)
        return row


def may_send(hub: Hub, destination: str) -> bool:
    row = breaker(hub, destination)
    return row is None or row.breaker == "closed" or (row.breaker == "open" and as_utc(row.open_until) < utcnow())


def test_a_worker_killed_mid_delivery_is_replaced_and_the_3pl_keeps_one_order(
    hub: Hub, shipstation: FakeShipStation
) -> None:
    add_shipstation(hub, "crash", shipstation)
    hub.location("wh-crash", "shipstation:crash", **{"CRASH-SKU": 50})
    shipstation.hang_next(seconds=25)  # past the connector's time-out: the kill lands while it waits
    hub.place(4001, {"CRASH-SKU": 1})
    sends = lambda: shipstation.calls("POST", "/orders/createorders") + shipstation.calls("POST", "/orders/createorder")  # noqa: E731
    eventually(sends, "the send to start")
    hub.kill("worker")
    hub.place(4002, {"CRASH-SKU": 1})
    hub.place(4003, {"CRASH-SKU": 2})
    hub.start_part("worker")
    eventually(lambda: all_delivered(hub, "shipstation:crash", 3), "every delivery, the interrupted one too", 150)

    deliveries_to(hub, shipstation, "shipstation:crash", [4001, 4002, 4003])
    (first,) = [d for d in hub.deliveries("shipstation:crash") if d.payload["order"]["number"] == "#4001"]
    outcomes = [attempt["outcome"] for attempt in attempts(hub, first.id)]
    assert outcomes[0] == "lost" and outcomes[-1] == "delivered", outcomes  # taken back when the lease ran out
    assert hub.tracebacks() == [], hub.log_text()[-4000:]


def test_503_and_429_with_retry_after_for_a_while_then_every_order_once(hub: Hub, shipstation: FakeShipStation) -> None:
    add_shipstation(hub, "flaky", shipstation)
    hub.location("wh-flaky", "shipstation:flaky", **{"FLAKY-SKU": 50})
    shipstation.fail_next(503, times=2)
    shipstation.fail_next(429, retry_after="1", times=1)
    numbers = [4101, 4102, 4103]
    for number in numbers:
        hub.place(number, {"FLAKY-SKU": 1})
    eventually(lambda: all_delivered(hub, "shipstation:flaky", 3), "every delivery once the 3PL recovered")

    deliveries_to(hub, shipstation, "shipstation:flaky", numbers)
    seen = [a for d in hub.deliveries("shipstation:flaky") for a in attempts(hub, d.id)]
    failed = sorted((a["outcome"], a["status_code"]) for a in seen if a["outcome"] != "delivered")
    assert set(failed) == {("transient", 429), ("transient", 503)}, failed
    assert len([a for a in seen if a["outcome"] == "delivered"]) == 3
    assert hub.tracebacks() == [], hub.log_text()[-4000:]


def test_a_3pl_down_opens_its_breaker_while_another_keeps_receiving(hub: Hub) -> None:
    with FakeShipStation() as down, FakeShipStation() as up:
        add_shipstation(hub, "down", down)
        add_shipstation(hub, "up", up)
        hub.location("wh-down", "shipstation:down", **{"DOWN-SKU": 50})
        hub.location("wh-up", "shipstation:up", **{"UP-SKU": 50})
        down.fail_next(503, times=10_000)
        for number in (4201, 4202, 4203):
            hub.place(number, {"DOWN-SKU": 1})
        eventually(lambda: (row := breaker(hub, "shipstation:down")) and row.breaker == "open", "the breaker to open")
        for number in (4211, 4212, 4213):
            hub.place(number, {"UP-SKU": 1})
        eventually(lambda: all_delivered(hub, "shipstation:up", 3), "the other 3PL to receive its orders")
        assert down.orders == {} and hub.delivery_statuses("shipstation:down") == {"pending": 3}
        heal(down)
        eventually(lambda: all_delivered(hub, "shipstation:down", 3), "the 3PL that was down to receive its orders")

    deliveries_to(hub, down, "shipstation:down", [4201, 4202, 4203])
    deliveries_to(hub, up, "shipstation:up", [4211, 4212, 4213])
    row = breaker(hub, "shipstation:down")
    assert row is not None and row.breaker == "closed"
    assert hub.tracebacks() == [], hub.log_text()[-4000:]


def test_401_pauses_the_destination_until_it_is_resumed(hub: Hub, shipstation: FakeShipStation) -> None:
    add_shipstation(hub, "locked", shipstation)
    hub.location("wh-locked", "shipstation:locked", **{"LOCKED-SKU": 50})
    shipstation.api_secret = "rotated-at-shipstation"  # the hub's copy no longer works: 401
    numbers = [4301, 4302, 4303]
    for number in numbers:
        hub.place(number, {"LOCKED-SKU": 1})
    eventually(lambda: (row := breaker(hub, "shipstation:locked")) and row.paused, "the destination to be paused")
    eventually(lambda: hub.delivery_statuses("shipstation:locked") == {"pending": 3}, "the deliveries to be held")
    shown = json.loads(hub.cli("connector", "show", "shipstation", "locked", "--json"))
    assert shown["paused"] and "401" in shown["paused_reason"], shown
    assert "rotated-at-shipstation" not in json.dumps(shown) and shipstation.api_key not in json.dumps(shown)

    hub.secret("ss-locked-secret", "rotated-at-shipstation")  # the operator fixes the secret the hub reads
    wait_seconds(4)  # several sweeps: still held, for nobody resumed the destination
    assert hub.delivery_statuses("shipstation:locked") == {"pending": 3} and shipstation.orders == {}
    assert hub.cli("connector", "resume", "shipstation", "locked").startswith("resumed shipstation:locked")
    eventually(lambda: all_delivered(hub, "shipstation:locked", 3), "the held deliveries to go out")
    deliveries_to(hub, shipstation, "shipstation:locked", numbers)
    assert hub.tracebacks() == [], hub.log_text()[-4000:]


def test_a_dead_delivery_replayed_is_delivered_once(hub: Hub, shipstation: FakeShipStation) -> None:
    add_shipstation(hub, "dead", shipstation)
    hub.location("wh-dead", "shipstation:dead", **{"DEAD-SKU": 50})
    shipstation.fail_next(503, times=ATTEMPTS)  # every attempt fails; then the 3PL is back
    hub.place(4401, {"DEAD-SKU": 1})
    eventually(lambda: hub.delivery_statuses("shipstation:dead") == {"dead": 1}, "the delivery to die", 150)
    (dead,) = hub.deliveries("shipstation:dead")
    assert dead.attempts == ATTEMPTS and "gave up after" in (dead.last_error or "")
    listed = hub.cli("deliveries", "list", "--status", "dead", "--connector", "shipstation:dead")
    assert str(dead.id) in listed

    # The failures opened the breaker too; the operator replays once its wait is over (a replay while it is
    # open is held until the breaker lets a probe through).
    eventually(lambda: may_send(hub, "shipstation:dead"), "the breaker's wait to end")
    out = hub.cli("deliveries", "replay", str(dead.id))
    assert out.strip() == "replayed 1 deliveries: 1 delivered", out
    eventually(lambda: all_delivered(hub, "shipstation:dead", 1), "the replayed delivery")
    deliveries_to(hub, shipstation, "shipstation:dead", [4401])
    fo = hub.fulfillment_orders(dead.order_id or "")["wh-dead"]
    assert (fo.state, fo.external_id) == ("accepted", str(next(iter(shipstation.orders))))
    assert hub.tracebacks() == [], hub.log_text()[-4000:]
