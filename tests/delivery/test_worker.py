"""The delivery tasks on a real worker, on the embedded stack and on PostgreSQL + RabbitMQ: routing publishes
the deliveries it planned once committed, and the sweep publishes those nobody published."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import select

from hub.db.models import Delivery, FulfillmentOrderRecord
from hub.runtime import Runtime
from tests.delivery.conftest import add_account, add_location, route, store_order
from tests.delivery.fake3pl import Fake3plServer
from tests.processes import hub_env, hub_process, wait_for
from tests.stacks import hub_on


def test_workers_send_what_routing_planned_and_what_the_sweep_finds(
    migrated_stack: dict[str, str], tmp_path: Path, fake3pl_installed: Path, fake: Fake3plServer
) -> None:
    runtime, celery = hub_on(migrated_stack)
    database = runtime.database
    add_location(database, "wh-east", add_account(database, fake.origin), LAMP=10)
    by_task = store_order(database, "1001")
    by_hand = route(database, store_order(database, "1002"))  # planned, never published: for the sweep
    celery.send_task("hub.route.order", args=[by_task])
    env = hub_env(
        **migrated_stack, PYTHONPATH=os.pathsep.join([str(fake3pl_installed), os.environ.get("PYTHONPATH", "")])
    )
    last_sweep = [0.0]

    def both_accepted() -> bool:
        if time.monotonic() - last_sweep[0] > 3:  # what beat would do, on a short schedule
            celery.send_task("hub.system.sweep_deliveries")
            last_sweep[0] = time.monotonic()
        with database.session() as session:
            states = session.scalars(select(FulfillmentOrderRecord.state)).all()
        return len(states) == 2 and set(states) == {"accepted"}

    log = tmp_path / "worker.log"
    with hub_process(["worker", "--queues", "route,deliver.3pl,system", "--concurrency", "1"], env, log) as worker:
        wait_for(both_accepted, "both fulfillment orders to be sent and accepted", limit=90)
        assert worker.poll() is None, log.read_text()
    assert sorted(fake.received) == sorted(f"fo:{fo}:submit" for fo in _fulfillment_orders(runtime))
    assert len(fake.received) == 2  # each once, though the sweep may have published one twice
    with database.session() as session:
        assert set(session.scalars(select(Delivery.status))) == {"delivered"}
        assert by_hand.deliveries[0] in session.scalars(select(Delivery.id)).all()
    runtime.close()


def _fulfillment_orders(runtime: Runtime) -> list[str]:
    with runtime.database.session() as session:
        return list(session.scalars(select(FulfillmentOrderRecord.id)))
