"""RabbitMQ restarted in the middle of a burst of 500 signed Shopify orders, with real ``orderhub serve``,
``worker`` and ``beat`` processes on PostgreSQL: the receiver keeps answering (orders are stored before
anything is published), the workers and beat reconnect, the sweeps publish what was stored or planned while
the broker was away, and every order reaches the fake ShipStation exactly once.

The RabbitMQ is one of this test's own (``scripts/services start`` in a directory of its own): restarting
the suite's shared node would cut every other session's connections.
"""

from __future__ import annotations

import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hub.db.models import InboxMessage, OrderRecord
from tests.e2e.setup import add_shipstation, eventually, running_hub
from tests.fakes.shipstation import FakeShipStation
from tests.services import SCRIPT, read_env_file, restart_rabbitmq
from tests.stacks import stack_urls

BURST = 500


@pytest.fixture
def own_rabbitmq(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A services directory of this test's own (PostgreSQL and RabbitMQ; only the broker is used)."""
    state = tmp_path_factory.mktemp("own-services")
    started = subprocess.run(["bash", str(SCRIPT), "start", str(state)], capture_output=True, text=True, timeout=300)
    if started.returncode != 0:
        pytest.fail(f"could not start a RabbitMQ of the test's own: {started.stdout}{started.stderr}", pytrace=False)
    yield state
    subprocess.run(["bash", str(SCRIPT), "stop", str(state)], capture_output=True, text=True, timeout=300)


@pytest.fixture
def stack(request: pytest.FixtureRequest, tmp_path: Path, own_rabbitmq: Path) -> Iterator[dict[str, str]]:
    broker = read_env_file(own_rabbitmq / "services.env")["HUB_TEST_RABBITMQ_URL"]
    for urls in stack_urls(request, "production", tmp_path, migrated=True):
        yield {**urls, "HUB_BROKER_URL": broker}


def test_rabbitmq_restarted_during_a_burst_of_500_orders_loses_and_repeats_nothing(
    stack: dict[str, str], tmp_path: Path, own_rabbitmq: Path
) -> None:
    numbers = list(range(50_001, 50_001 + BURST))
    first, second = numbers[: BURST // 2], numbers[BURST // 2 :]
    with (
        FakeShipStation() as shipstation,
        running_hub(stack, tmp_path, "serve", "beat", "worker", HUB_WORKER__CONCURRENCY="4") as hub,
    ):
        add_shipstation(hub, "burst", shipstation)
        hub.location("wh-burst", "shipstation:burst", **{"BURST-SKU": BURST})
        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(lambda n: hub.post_order(n, {"BURST-SKU": 1}).status_code, first))
            eventually(lambda: shipstation.orders, "the first orders to reach ShipStation")
            restart = threading.Thread(target=restart_rabbitmq, args=(own_rabbitmq,))
            restart.start()  # the rest of the burst arrives while the broker goes down and comes back
            answers += list(pool.map(lambda n: hub.post_order(n, {"BURST-SKU": 1}).status_code, second))
            restart.join(timeout=300)
        assert not restart.is_alive()
        assert Counter(answers) == {200: BURST}
        eventually(lambda: hub.delivery_statuses("shipstation:burst") == {"delivered": BURST}, "every delivery", 600)
        for name, process in hub.processes.items():
            assert process.poll() is None, f"orderhub {name} exited: {hub.log_text()[-3000:]}"

    keys = Counter(order["orderKey"] for order in shipstation.orders.values())
    assert len(keys) == BURST and set(keys.values()) == {1}  # one ShipStation order per fulfillment order
    delivered = {d.subject_id for d in hub.deliveries("shipstation:burst")}
    assert set(keys) == delivered
    numbered = Counter(order["orderNumber"] for order in shipstation.orders.values())
    assert set(numbered) == {f"#{n}" for n in numbers} and set(numbered.values()) == {1}
    with hub.database.session() as session:
        assert session.scalar(select(func.count()).select_from(OrderRecord)) == BURST
        statuses = Counter(session.scalars(select(InboxMessage.status).where(InboxMessage.channel == "shopify")))
    assert statuses == {"processed": BURST}
