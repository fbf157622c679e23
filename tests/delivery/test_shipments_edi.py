"""A 945 or 856 from an X12 3PL ships the fulfillment order at its location, through the inbox as it comes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from hub.channels.process import Outcome, process_message
from hub.db.models import EdiTransaction, OrderEvent, ShipmentRecord
from hub.db.session import Database
from hub.edi.intake import store_x12
from hub.edi.partners import parse_profile, save_partner
from tests.delivery.shipment_setup import STOCK, fo_state, order_view, routed_order
from tests.edi.x12text import group, interchange, transaction


@pytest.fixture
def acme(database: Database) -> Database:
    """The X12 3PL ``ACME``, which fulfils wh-nj (see ``shipment_setup``)."""
    profile: dict[str, Any] = {
        "theirs": {"qualifier": "ZZ", "id": "ACMERETAIL", "gs_id": "ACMERETAIL"},
        "ours": {"qualifier": "ZZ", "id": "WIDGETSUPPLY", "gs_id": "WIDGETSUPPLY"},
        "control_version": "00401",
        "gs_version": "004010",
    }
    with database.session() as session:
        save_partner(session, "ACME", name="Acme 3PL", kind="3pl", profile=parse_profile(profile))
    return database


def receive(database: Database, body: bytes) -> tuple[int, Outcome]:
    with database.session() as session:
        inbox_id, _ = store_x12(session, source="test", body=body, partner_id="ACME")
    return inbox_id, process_message(database, inbox_id)


def shipping_advice(depositor_order: str, shipment: str, shipped: int, control_number: int) -> bytes:
    """A 945 shipping ``shipped`` units of LAMP (line 1) of the depositor's order, with a tracking number."""
    advice = transaction(
        "945",
        "0001",
        f"W06*F*{depositor_order}*20261122*{shipment}",
        "N9*CN*1Z945",
        "G62*11*20261122",
        "W27*M*UPSN*UPS GROUND",
        "LX*1",
        f"W12*CC*3*{shipped}**EA**VN*LAMP",
        "N9*LI*1",
        f"W03*{shipped}",
    )
    return interchange(group("SW", control_number, advice), control_number=control_number)


def types(database: Database, order_id: str) -> list[str]:
    return order_view(database, order_id)["events"]


def test_a_945_ships_the_fulfillment_order_once(acme: Database) -> None:
    order = routed_order(acme, lamps=3, number="1001")
    inbox_id, outcome = receive(acme, shipping_advice("1001", "SHIP-77", 2, 5))
    assert outcome.status == "processed", outcome.detail
    assert fo_state(acme, order.nj) == ("partially_shipped", {"1": 2})
    view = order_view(acme, order.order_id)
    assert view["shipped"] == {"1": 2, "2": 0} and view["on_hand"]["LAMP"] == STOCK - 2
    assert view["shipments"] == [(f"SHIP-77:{order.order_id}", ("1Z945",))]
    assert {"order.shipment_reported", "shipment.recorded", "order.partially_shipped"} <= set(view["events"])
    with acme.session() as session:
        row = session.scalars(select(ShipmentRecord)).one()
        assert (row.source, row.carrier, row.fulfillment_order_id) == ("edi:ACME", "UPS GROUND", order.nj)
        status = session.scalars(select(EdiTransaction.status).where(EdiTransaction.direction == "in")).one()
        assert status == "applied"

    process_message(acme, inbox_id)  # the same message replayed
    receive(acme, shipping_advice("1001", "SHIP-77", 2, 6))  # the same shipment in a new interchange
    view = order_view(acme, order.order_id)
    assert view["shipped"]["1"] == 2 and view["on_hand"]["LAMP"] == STOCK - 2
    assert view["events"].count("shipment.recorded") == 1


def test_a_945_shipping_more_than_was_sent_is_an_exception_on_the_timeline(acme: Database) -> None:
    order = routed_order(acme, lamps=3, number="1002")
    before = order_view(acme, order.order_id)
    _, outcome = receive(acme, shipping_advice("1002", "SHIP-78", 5, 7))
    assert outcome.status == "processed", outcome.detail
    assert order_view(acme, order.order_id)["on_hand"] == before["on_hand"]
    assert fo_state(acme, order.nj) == ("created", {"1": 0})
    with acme.session() as session:
        event = session.scalars(select(OrderEvent).where(OrderEvent.type == "order.shipment_exception")).one()
        assert "ships 5 units of line 1 / SKU LAMP" in event.data["reason"] and "only 3 left" in event.data["reason"]
        assert event.data["shipment_number"] == "SHIP-78"
        row = session.scalars(select(EdiTransaction).where(EdiTransaction.direction == "in")).one()
        assert row.status == "applied" and "not shipped" in (row.error or "")
    assert "order.shipment_reported" in types(acme, order.order_id)


def test_an_856_naming_the_po_ships_the_partners_fulfillment_order(acme: Database) -> None:
    order = routed_order(acme, lamps=3, number="1003", po_number="PO-1003")
    asn = transaction(
        "856",
        "0001",
        "BSN*00*ASN-9*20261122*0930",
        "HL*1**S",
        "TD5**2*UPSN",
        "REF*CN*1Z856",
        "HL*2*1*O",
        "PRF*PO-1003",
        "HL*3*2*I",
        "LIN**VN*LAMP",
        "SN1**3*EA",
        "CTT*3",
    )
    _, outcome = receive(acme, interchange(group("SH", 8, asn), control_number=8))
    assert outcome.status == "processed", outcome.detail
    assert fo_state(acme, order.nj) == ("shipped", {"1": 3})
    assert order_view(acme, order.order_id)["shipments"] == [(f"ASN-9:{order.order_id}", ("1Z856",))]
