"""An X12 3PL with a real worker, on the embedded stack and on PostgreSQL + RabbitMQ: routing plans the
delivery, the engine queues the 940 and publishes its sending, the 3PL's 997 and 945 come back through the
partner's mailbox poll and the ingest queue, and the order ends shipped with its tracking number."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import select

from hub.db.models import EdiTransaction, FulfillmentOrderRecord, OrderEvent
from hub.lifecycle.store import load
from tests.delivery.conftest import add_location, store_order
from tests.delivery.test_edi_fulfillment import DESTINATION, PARTNER, SHIP_TO
from tests.edi.transports.conftest import add_partner
from tests.fakes.x12_3pl import FakeX12ThreePL
from tests.processes import hub_env, hub_process, wait_for
from tests.stacks import hub_on


def test_a_worker_sends_the_940_and_ships_the_order_from_the_945(
    migrated_stack: dict[str, str], tmp_path: Path
) -> None:
    runtime, celery = hub_on(migrated_stack)
    database = runtime.database
    fake = FakeX12ThreePL(from_hub=tmp_path / "to-acme", to_hub=tmp_path / "from-acme")
    fake.from_hub.mkdir()
    fake.to_hub.mkdir()
    mailbox = {"type": "mailbox", "inbound": str(fake.to_hub), "outbound": str(fake.from_hub)}
    theirs = {"qualifier": "ZZ", "id": "ACME3PL", "gs_id": "ACME3PL"}
    add_partner(database, PARTNER, transports=[mailbox], theirs=theirs)
    add_location(database, "wh-edi", DESTINATION, LAMP=5)
    order_id = store_order(database, "2001", ship_to={"country": "US", **SHIP_TO})
    celery.send_task("hub.route.order", args=[order_id])
    last_poll = [0.0]

    def shipped() -> bool:
        if time.monotonic() - last_poll[0] > 2:  # what beat would do, on a short schedule
            celery.send_task("hub.edi.poll_all")
            last_poll[0] = time.monotonic()
        with database.session() as session:
            return load(session, order_id).status.value == "shipped"

    log = tmp_path / "worker.log"
    queues = "route,deliver.3pl,edi,ingest,system"
    with hub_process(["worker", "--queues", queues, "--concurrency", "1"], hub_env(**migrated_stack), log) as worker:
        (sent,) = fake.wait_for_orders(1, timeout=90)  # sent without any sweep: the engine published it
        fake.acknowledge([sent])
        fake.ship(sent, tracking="1Z999AA10123456784")
        wait_for(shipped, "the 997 and 945 to be polled and the order shipped", limit=90)
        assert worker.poll() is None, log.read_text()

    assert (sent.depositor_order, [(line.sku, line.quantity) for line in sent.lines]) == ("2001", [("LAMP", 2)])
    with database.session() as session:
        assert session.scalars(select(FulfillmentOrderRecord.state)).all() == ["shipped"]
        ack = session.scalars(select(EdiTransaction.ack_status).where(EdiTransaction.direction == "out")).all()
        assert ack == ["accepted"]
        recorded = session.scalars(select(OrderEvent).where(OrderEvent.type == "shipment.recorded")).one()
        assert recorded.data["tracking_numbers"] == ["1Z999AA10123456784"] and recorded.data["source"] == DESTINATION
    runtime.close()
