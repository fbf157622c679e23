"""An X12 3PL (``edi:acme3pl``) through the delivery engine: a fulfillment order goes out as one 940 over the
partner's mailbox, the 3PL's 997 and 945 come back through the inbox, and the order ends shipped."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from hub.channels.process import process_message
from hub.db.models import (
    Delivery,
    DeliveryStatus,
    EdiInterchange,
    EdiTransaction,
    FulfillmentOrderRecord,
    OrderEvent,
    OrderRouting,
    Partner,
)
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.delivery.claim import claim
from hub.delivery.engine import Report, deliver, take_back_expired
from hub.delivery.handlers import handler_for
from hub.delivery.outbox import plan_cancellation
from hub.edi.partners import parse_profile, save_partner
from hub.edi.transports.poll import poll_partner
from hub.edi.transports.send import send_interchange
from hub.inventory import get_level
from hub.lifecycle.store import load
from hub.oms.route import route_order
from hub.routing import parse_rules
from tests.delivery.conftest import CONFIG, add_location, delivery, make_due, route, run, store_order
from tests.fakes.x12_3pl import FakeX12ThreePL

PARTNER = "acme3pl"
DESTINATION = f"edi:{PARTNER}"
NO_HOLDS = parse_rules(  # orders without a ship-to are routed too (the default rules hold them)
    "rules: [{name: anywhere, pipeline: [], policy: {hold: {missing_ship_to: false}}}]", "test rules"
)
SHIP_TO = {"name": "Ada Lovelace", "line1": "12 Main St", "city": "New York", "region": "NY", "postal_code": "10001"}


@pytest.fixture
def acme3pl(database: Database, tmp_path: Path) -> FakeX12ThreePL:
    """The X12 3PL ``acme3pl`` behind a mailbox, fulfilling location ``wh-edi`` (5 LAMP, 5 SHADE)."""
    from_hub, to_hub = tmp_path / "to-acme", tmp_path / "from-acme"
    from_hub.mkdir()
    to_hub.mkdir()
    profile: dict[str, Any] = {
        "theirs": {"qualifier": "ZZ", "id": "ACME3PL", "gs_id": "ACME3PL"},
        "ours": {"qualifier": "ZZ", "id": "ORDERHUB", "gs_id": "ORDERHUB"},
        "control_version": "00401",
        "gs_version": "004010",
        "transports": [{"type": "mailbox", "inbound": str(to_hub), "outbound": str(from_hub)}],
    }
    with database.session() as session:
        save_partner(session, PARTNER, name="Acme 3PL", kind="3pl", profile=parse_profile(profile))
    add_location(database, "wh-edi", DESTINATION, LAMP=5, SHADE=5)
    return FakeX12ThreePL(from_hub=from_hub, to_hub=to_hub)


def routed(database: Database, number: str = "1001", **fields: Any) -> tuple[str, str, int]:
    """(order id, fulfillment order id, delivery id) of an order routed to ``wh-edi``."""
    fields.setdefault("ship_to", {"country": "US", **SHIP_TO})
    order_id = store_order(database, number, {"LAMP": 2, "SHADE": 1}, **fields)
    result = route_order(database, order_id, rules=NO_HOLDS, source="test")
    ((fo_id, location),) = result.fulfillment_orders.items()
    assert location == "wh-edi"
    return order_id, fo_id, result.deliveries[0]


def send_queued(database: Database, report: Report) -> list[str]:
    """Run the ``hub.edi.send`` tasks the engine left to publish, as a worker would."""
    sends = [args for name, args in report.after.tasks if name == "hub.edi.send"]
    return [send_interchange(database, *args).status for args in sends]


def receive(database: Database) -> None:
    """Poll the partner's mailbox and process what was stored, as the EDI workers would."""
    polled = poll_partner(database, PARTNER)
    assert polled.stored and not polled.errors, polled
    for inbox_id in polled.stored:
        outcome = process_message(database, inbox_id)
        assert outcome.status == "processed", outcome.detail


def outbound_940s(database: Database) -> list[EdiTransaction]:
    with database.session() as session:
        query = select(EdiTransaction).where(EdiTransaction.direction == "out", EdiTransaction.set_id == "940")
        rows = list(session.scalars(query.order_by(EdiTransaction.id)))
        session.expunge_all()
        return rows


def fulfillment_order(database: Database, fo_id: str) -> FulfillmentOrderRecord:
    with database.session() as session:
        row = session.get(FulfillmentOrderRecord, fo_id)
        assert row is not None
        session.expunge(row)
        return row


def events(database: Database, order_id: str, type_: str | None = None) -> list[OrderEvent]:
    with database.session() as session:
        query = select(OrderEvent).where(OrderEvent.order_id == order_id)
        if type_ is not None:
            query = query.where(OrderEvent.type == type_)
        rows = list(session.scalars(query.order_by(OrderEvent.id)))
        session.expunge_all()
        return rows


def on_hand(database: Database, sku: str) -> tuple[int, int]:
    with database.session() as session:
        level = get_level(session, sku, "wh-edi")
        return level.on_hand, level.committed


def test_a_fulfillment_order_goes_out_as_a_940_and_its_945_ships_the_order(
    database: Database, acme3pl: FakeX12ThreePL
) -> None:
    order_id, fo_id, delivery_id = routed(database)
    report = run(database)
    assert report.outcomes == {"delivered": 1}
    assert send_queued(database, report) == ["sent"]

    (sent,) = acme3pl.collect()
    assert (sent.status, sent.depositor_order, sent.ship_to) == ("N", "1001", "Ada Lovelace")
    assert [(line.line_id, line.sku, line.quantity) for line in sent.lines] == [("1", "LAMP", 2), ("2", "SHADE", 1)]
    (registered,) = outbound_940s(database)
    assert (registered.reference, registered.order_id, registered.ack_status) == ("1001", order_id, "awaiting")
    row = delivery(database, delivery_id)
    assert row.status == "delivered"
    assert row.external_id == f"940 ISA {sent.envelope.isa13} ST {sent.envelope.st02}"
    fo = fulfillment_order(database, fo_id)
    assert (fo.state, fo.external_id) == ("accepted", row.external_id)

    acme3pl.acknowledge([sent])
    receive(database)
    assert outbound_940s(database)[0].ack_status == "accepted"

    acme3pl.ship(sent, tracking="1Z999AA10123456784")
    receive(database)
    assert fulfillment_order(database, fo_id).state == "shipped"
    with database.session() as session:
        assert load(session, order_id).status.value == "shipped"
    (recorded,) = events(database, order_id, "shipment.recorded")
    assert recorded.source.startswith("inbox:") and recorded.data["source"] == DESTINATION
    assert recorded.data["tracking_numbers"] == ["1Z999AA10123456784"] and recorded.data["carrier"] == "UPS GROUND"
    assert recorded.data["tracking_url"] == "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    assert len(events(database, order_id, "order.shipped")) == 1
    assert on_hand(database, "LAMP") == (3, 0) and on_hand(database, "SHADE") == (4, 0)

    # the hub acknowledged the 945 in turn, over the same mailbox
    with database.session() as session:
        answers = session.scalars(
            select(EdiInterchange.id).where(EdiInterchange.direction == "out", EdiInterchange.kind == "acknowledgment")
        ).all()
    assert [send_interchange(database, answer).status for answer in answers] == ["sent"]
    acme3pl.collect()
    assert [(ack.functional_id, ack.sets, ack.code) for ack in acme3pl.acknowledgments] == [
        ("SW", (("945", "0001", "A"),), "A")
    ]


def test_only_the_fulfillment_orders_lines_go_in_its_940(database: Database, acme3pl: FakeX12ThreePL) -> None:
    add_location(database, "wh-self", "self", GLOBE=5)  # GLOBE is only there: the order is split
    order_id = store_order(database, "1002", {"LAMP": 2, "GLOBE": 1}, ship_to={"country": "US", **SHIP_TO})
    assert sorted(route(database, order_id).fulfillment_orders.values()) == ["wh-edi", "wh-self"]
    send_queued(database, run(database))
    (sent,) = acme3pl.collect()
    assert [(line.line_id, line.sku, line.quantity) for line in sent.lines] == [("1", "LAMP", 2)]
    (registered,) = outbound_940s(database)
    assert [line["line_id"] for line in (registered.document or {})["lines"]] == ["1"]


def test_a_resend_of_the_delivery_queues_no_second_940(database: Database, acme3pl: FakeX12ThreePL) -> None:
    order_id, fo_id, delivery_id = routed(database)
    # the worker queued the 940 in its claim, then stopped before recording the result (its lease ran out)
    with database.session() as session:
        claimed = claim(session, [delivery_id], utcnow(), lease=timedelta(0), breaker=CONFIG.breaker)
        handler = handler_for(claimed[0].operation, claimed[0].destination)
        assert handler is not None
        assert handler.prepare(session, claimed)[delivery_id].outcome == "delivered"
    assert len(outbound_940s(database)) == 1
    assert take_back_expired(database, CONFIG).outcomes == {"lost": 1}
    make_due(database)
    report = run(database)
    assert report.outcomes == {"already_delivered": 1}
    assert fulfillment_order(database, fo_id).state == "accepted"

    # the same task run again, and the delivery sent once more by hand: nothing new is queued
    assert deliver(database, [delivery_id], CONFIG).claimed == 0
    with database.session() as session:
        session.execute(
            update(Delivery).where(Delivery.id == delivery_id).values(status=DeliveryStatus.PENDING, attempts=0)
        )
    assert run(database).outcomes == {"already_delivered": 1}
    assert len(outbound_940s(database)) == 1
    send_queued(database, report)
    with database.session() as session:
        (interchange,) = session.scalars(select(EdiInterchange).where(EdiInterchange.direction == "out")).all()
        assert interchange.status == "sent"
    assert len(acme3pl.collect()) == 1
    assert len(events(database, order_id, "fulfillment_order.accepted")) == 1


def test_a_940_the_hub_cannot_write_is_dead_and_the_fulfillment_order_rejected(
    database: Database, acme3pl: FakeX12ThreePL
) -> None:
    order_id, fo_id, delivery_id = routed(database, ship_to=None)
    report = run(database)
    assert report.outcomes == {"permanent": 1}
    row = delivery(database, delivery_id)
    assert row.status == "dead" and "ship_to is missing" in (row.last_error or "")
    fo = fulfillment_order(database, fo_id)
    assert fo.state == "rejected"
    (rejected,) = events(database, order_id, "fulfillment_order.rejected")
    assert "ship_to is missing" in rejected.data["command"]["reason"]
    assert report.after.routes == {order_id} and not report.after.tasks  # routed again; nothing to send
    assert on_hand(database, "LAMP") == (5, 0)  # its units were released
    assert outbound_940s(database) == []
    with database.session() as session:
        assert session.scalars(select(EdiInterchange)).all() == []


def test_a_940_the_3pl_rejects_in_its_997_rejects_the_fulfillment_order(
    database: Database, acme3pl: FakeX12ThreePL
) -> None:
    order_id, fo_id, _delivery_id = routed(database)
    send_queued(database, run(database))
    (sent,) = acme3pl.collect()
    acme3pl.acknowledge([sent], code="R")
    receive(database)
    assert outbound_940s(database)[0].ack_status == "rejected"
    fo = fulfillment_order(database, fo_id)
    assert fo.state == "rejected"
    (noted,) = events(database, order_id, "fulfillment_order.rejected_by_partner")
    assert noted.data["fulfillment_order"] == fo_id and noted.data["ack_codes"] == ["R", "5"]
    (rejected,) = events(database, order_id, "fulfillment_order.rejected")
    assert "acme3pl rejected its 940" in rejected.data["command"]["reason"]
    assert on_hand(database, "LAMP") == (5, 0)
    with database.session() as session:
        routing = session.get(OrderRouting, order_id)
        assert routing is not None and routing.waiting  # the routing sweep takes it again


def test_a_cancellation_is_left_to_the_operator_and_said_so(database: Database, acme3pl: FakeX12ThreePL) -> None:
    order_id, fo_id, _delivery_id = routed(database)
    send_queued(database, run(database))
    with database.session() as session:
        (cancel_id,) = plan_cancellation(session, fo_id, "the buyer changed their mind")
    assert deliver(database, [cancel_id], CONFIG).outcomes == {"permanent": 1}
    assert delivery(database, cancel_id).status == "dead"
    (refused,) = events(database, order_id, "fulfillment_order.cancel_refused")
    assert f"ask {PARTNER} by hand to cancel fulfillment order {fo_id}" in refused.data["reason"]
    assert fulfillment_order(database, fo_id).state == "accepted"  # the 3PL may still ship it
    assert len(outbound_940s(database)) == 1  # no cancellation was pretended


def test_an_inactive_partner_holds_its_deliveries_until_resumed(database: Database, acme3pl: FakeX12ThreePL) -> None:
    from hub.delivery.destinations import destination_state, resume

    with database.session() as session:
        session.execute(update(Partner).where(Partner.id == PARTNER).values(active=False))
    _order_id, fo_id, delivery_id = routed(database)
    assert run(database).outcomes == {"configuration": 1}
    assert delivery(database, delivery_id).status == "pending"
    with database.session() as session:
        state = destination_state(session, DESTINATION)
        assert state.paused and "inactive" in (state.paused_reason or "")
        session.execute(update(Partner).where(Partner.id == PARTNER).values(active=True))
        resume(session, DESTINATION)
    assert run(database).outcomes == {"delivered": 1}
    assert fulfillment_order(database, fo_id).state == "accepted" and len(outbound_940s(database)) == 1


def test_a_cancel_never_takes_back_in_the_hub_a_940_that_went_out(database: Database, acme3pl: FakeX12ThreePL) -> None:
    _order_id, fo_id, delivery_id = routed(database)
    with database.session() as session:  # the 940 is queued, then the worker stops before recording it
        claimed = claim(session, [delivery_id], utcnow(), lease=timedelta(0), breaker=CONFIG.breaker)
        handler = handler_for(claimed[0].operation, claimed[0].destination)
        assert handler is not None
        handler.prepare(session, claimed)
    with database.session() as session:  # asked while the submit was still in flight
        (cancel_id,) = plan_cancellation(session, fo_id, "the buyer changed their mind")
    take_back_expired(database, CONFIG)
    assert deliver(database, [cancel_id], CONFIG).outcomes == {"permanent": 1}
    assert "by hand" in (delivery(database, cancel_id).last_error or "")
    make_due(database, [delivery_id])
    assert deliver(database, [delivery_id], CONFIG).outcomes == {"already_delivered": 1}
    assert fulfillment_order(database, fo_id).state == "accepted" and len(outbound_940s(database)) == 1
