"""Drop-ship suppliers over X12 through the delivery engine: a fulfillment order at a supplier location goes out
as one 850 (PO number derived from the fulfillment order, the supplier's item numbers, the buyer's ship-to, the
agreed price), the supplier's 997, 855, 856 and 810 come back through its mailbox and move the order."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from hub.canonical import FulfillmentRequest, Money
from hub.channels.process import process_message
from hub.db.models import (
    Delivery,
    DeliveryStatus,
    EdiInterchange,
    EdiTransaction,
    FulfillmentOrderRecord,
    InboxMessage,
    OrderEvent,
    ShipmentRecord,
    SupplierInvoice,
    SupplierPurchaseOrder,
)
from hub.db.session import Database
from hub.delivery import outbox
from hub.delivery.engine import Report
from hub.delivery.outbox import plan_cancellation
from hub.edi.outbound import build_interchange
from hub.edi.partners import parse_profile, save_partner
from hub.edi.supplier_orders import po_number_for, purchase_order_document
from hub.edi.supplier_terms import SupplierTerms
from hub.edi.transports.poll import poll_partner
from hub.edi.transports.send import send_interchange
from hub.inventory import adjust, parse_location, save_location
from hub.oms.route import route_order
from hub.routing import parse_rules
from tests.delivery.conftest import run, store_order
from tests.fakes.x12_3pl import Envelope, Segment, _sets, split_interchanges
from tests.fakes.x12_supplier import FakeX12Supplier, PurchaseOrder
from tests.routing.builders import make_order

DROP_SHIP = parse_rules(
    "rules: [{name: anywhere, pipeline: [{sort: priority}],"
    " policy: {allow_dropship: true, hold: {missing_ship_to: false}}}]",
    "test rules",
)
SHIP_TO = {"name": "Ada Lovelace", "line1": "12 Main St", "city": "New York", "region": "NY", "postal_code": "10001"}


def add_supplier(
    database: Database, tmp_path: Path, partner_id: str, *, priority: int = 10, **terms: Any
) -> FakeX12Supplier:
    """Supplier ``partner_id`` behind a mailbox, fulfilling location ``<partner_id>-loc`` (10 LAMP)."""
    from_hub, to_hub = tmp_path / f"to-{partner_id}", tmp_path / f"from-{partner_id}"
    from_hub.mkdir()
    to_hub.mkdir()
    isa = partner_id.upper()
    profile: dict[str, Any] = {
        "theirs": {"qualifier": "ZZ", "id": isa, "gs_id": isa},
        "ours": {"qualifier": "ZZ", "id": "ORDERHUB", "gs_id": "ORDERHUB"},
        "control_version": "00401",
        "gs_version": "004010",
        "items": [{"partner_item": f"{isa}-L1", "sku": "LAMP", "qualifier": "VN"}],
        "transports": [{"type": "mailbox", "inbound": str(to_hub), "outbound": str(from_hub)}],
        "supplier": {"ack_within": "4h", "costs": {"LAMP": "7.50"}} | terms,
    }
    with database.session() as session:
        save_partner(session, partner_id, name=partner_id, kind="supplier", profile=parse_profile(profile))
        spec = {
            "id": f"{partner_id}-loc",
            "name": partner_id,
            "kind": "supplier",
            "capabilities": ["ship"],
            "coordinates": {"latitude": 40.7, "longitude": -74.0},
            "priority": priority,
            "fulfilled_by": f"edi:{partner_id}",
        }
        save_location(session, parse_location(spec))
        adjust(session, "LAMP", f"{partner_id}-loc", 10, source="test")
    return FakeX12Supplier(from_hub=from_hub, to_hub=to_hub, isa_id=isa)


@pytest.fixture
def sup1(database: Database, tmp_path: Path) -> FakeX12Supplier:
    return add_supplier(database, tmp_path, "sup1")


def drop_shipped(database: Database, number: str = "1001", units: int = 2) -> tuple[str, str]:
    """(order id, fulfillment order id) of an order routed to a supplier."""
    order_id = store_order(database, number, {"LAMP": units}, ship_to={"country": "US", **SHIP_TO})
    result = route_order(database, order_id, rules=DROP_SHIP, source="test")
    ((fo_id, _location),) = result.fulfillment_orders.items()
    return order_id, fo_id


def send_queued(database: Database, report: Report) -> list[str]:
    sends = [args for name, args in report.after.tasks if name == "hub.edi.send"]
    return [send_interchange(database, *args).status for args in sends]


def receive(database: Database, partner_id: str, expect: str = "processed") -> list[InboxMessage]:
    polled = poll_partner(database, partner_id)
    assert polled.stored and not polled.errors, polled
    messages = []
    for inbox_id in polled.stored:
        outcome = process_message(database, inbox_id)
        assert outcome.status == expect, outcome.detail
        with database.session() as session:
            message = session.get(InboxMessage, inbox_id)
            assert message is not None
            session.expunge(message)
            messages.append(message)
    return messages


def fo_state(database: Database, fo_id: str) -> str:
    with database.session() as session:
        fo = session.get(FulfillmentOrderRecord, fo_id)
        assert fo is not None
        return fo.state


def event_types(database: Database, order_id: str) -> list[str]:
    with database.session() as session:
        query = select(OrderEvent.type).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
        return list(session.scalars(query))


def events(database: Database, order_id: str, kind: str) -> list[dict[str, Any]]:
    with database.session() as session:
        query = select(OrderEvent.data).where(OrderEvent.order_id == order_id, OrderEvent.type == kind)
        return list(session.scalars(query.order_by(OrderEvent.id)))


def sent_po(database: Database, supplier: FakeX12Supplier) -> PurchaseOrder:
    report = run(database)
    assert report.outcomes == {"delivered": 1}, report
    assert send_queued(database, report) == ["sent"], report
    (po,) = supplier.collect()
    return po


def test_a_supplier_fulfillment_order_goes_out_as_one_850_and_its_answers_ship_and_invoice_it(
    database: Database, sup1: FakeX12Supplier
) -> None:
    order_id, fo_id = drop_shipped(database)
    po = sent_po(database, sup1)

    assert (po.purpose, po.po_type, po.po_number, po.ship_to) == ("00", "DS", po_number_for(fo_id), "Ada Lovelace")
    assert [(line.line_id, line.quantity, line.price, line.item, line.sku) for line in po.lines] == [
        ("1", 2, Decimal("7.50"), "SUP1-L1", "LAMP")
    ]
    assert fo_state(database, fo_id) == "sent"  # sent, not accepted: the 855 does that
    assert run(database).claimed == 0  # nothing left to send, however often the engine looks

    sup1.acknowledge(po)
    sup1.answer(po)
    receive(database, "sup1")
    assert fo_state(database, fo_id) == "accepted"

    sup1.ship([(po, [{"1": 1}, {"1": 1}])], trackings=["1ZSUP0000000000001", "1ZSUP0000000000002"])
    receive(database, "sup1")
    assert fo_state(database, fo_id) == "shipped"
    with database.session() as session:
        (shipment,) = session.scalars(select(ShipmentRecord).where(ShipmentRecord.order_id == order_id)).all()
        assert sorted(shipment.tracking_numbers) == ["1ZSUP0000000000001", "1ZSUP0000000000002"]
        assert (shipment.fulfillment_order_id, shipment.units) == (fo_id, {"1": 2})

    sup1.invoice(po, invoice_number="INV-1")
    receive(database, "sup1")
    with database.session() as session:
        invoice = session.scalars(select(SupplierInvoice)).one()
        assert (invoice.po_number, invoice.status, invoice.exceptions, invoice.total) == (
            po.po_number,
            "matched",
            [],
            "15.00",
        )
        po_row = session.get(SupplierPurchaseOrder, po.po_number)
        assert po_row is not None and po_row.acknowledged_at is not None and po_row.status == "shipped"
        (ack,) = session.scalars(
            select(EdiTransaction.ack_status).where(EdiTransaction.direction == "out", EdiTransaction.set_id == "850")
        ).all()
        assert ack == "accepted"
    kinds = event_types(database, order_id)
    for kind in ("purchase_order.sent", "purchase_order.accepted", "purchase_order.invoice_matched"):
        assert kind in kinds


def test_a_rejecting_855_releases_the_units_and_the_order_goes_to_the_next_supplier(
    database: Database, tmp_path: Path, sup1: FakeX12Supplier
) -> None:
    sup2 = add_supplier(database, tmp_path, "sup2", priority=20)
    order_id, fo_id = drop_shipped(database)
    first = sent_po(database, sup1)
    assert first.po_number == po_number_for(fo_id)

    sup1.answer(first, {"1": "IR"})
    receive(database, "sup1")
    assert fo_state(database, fo_id) == "rejected"
    (rejected,) = events(database, order_id, "purchase_order.rejected")
    assert "refused PO" in rejected["reason"] and "2 unit(s) of line 1" in rejected["reason"]
    with database.session() as session:
        assert session.get(SupplierPurchaseOrder, first.po_number).status == "rejected"  # type: ignore[union-attr]

    rerouted = route_order(database, order_id, rules=DROP_SHIP, source="test")
    ((second_fo, location),) = rerouted.fulfillment_orders.items()
    assert location == "sup2-loc"  # the supplier that refused is not asked again
    second = sent_po(database, sup2)
    assert second.po_number == po_number_for(second_fo) != first.po_number
    sup2.answer(second)
    sup2.ship([(second, [{"1": 2}])], trackings=["1ZSUP2000000000001"])
    receive(database, "sup2")
    assert fo_state(database, second_fo) == "shipped"
    assert sup1.collect() == []  # the first supplier got one 850 and nothing more


def test_changed_quantities_and_dates_go_on_the_timeline(database: Database, sup1: FakeX12Supplier) -> None:
    order_id, fo_id = drop_shipped(database)
    po = sent_po(database, sup1)
    sup1.answer(po, {"1": "DR"}, ship_on=datetime(2026, 12, 20, tzinfo=UTC))
    receive(database, "sup1")
    assert fo_state(database, fo_id) == "accepted"
    (changed,) = events(database, order_id, "purchase_order.changed")
    assert (changed["changes"][0]["status_code"], changed["changes"][0]["scheduled_ship_date"]) == ("DR", "2026-12-20")


def test_cancelling_a_po_sends_an_850_cancellation_and_releases_the_units(
    database: Database, sup1: FakeX12Supplier
) -> None:
    order_id, fo_id = drop_shipped(database)
    po = sent_po(database, sup1)
    with database.session() as session:
        ids = plan_cancellation(session, fo_id, "the buyer cancelled", cancel_lines=True)
    assert len(ids) == 1
    report = run(database)
    assert report.outcomes == {"delivered": 1}, report
    assert send_queued(database, report) == ["sent"]
    (cancel,) = sup1.collect()
    assert (cancel.purpose, cancel.po_number) == ("01", po.po_number)  # BEG01 01: cancellation of the same PO
    assert fo_state(database, fo_id) == "cancelled"
    with database.session() as session:
        row = session.get(SupplierPurchaseOrder, po.po_number)
        assert row is not None and row.status == "cancelled" and row.cancel_control_number
    assert run(database).claimed == 0


def change_orders(supplier: FakeX12Supplier) -> list[tuple[Envelope, list[Segment]]]:
    """Every 860 the hub left for ``supplier`` so far (envelope, segments between ST and SE)."""
    found = []
    for path in sorted(supplier.from_hub.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            for isa, segments in split_interchanges(path.read_text()):
                found += [(env, body) for env, body in _sets(isa, segments) if env.set_id == "860"]
    return found


def test_a_supplier_that_wants_860s_gets_one_860_cancelling_the_po(database: Database, tmp_path: Path) -> None:
    supplier = add_supplier(database, tmp_path, "sup3", cancel_with="860")
    order_id, fo_id = drop_shipped(database)
    po = sent_po(database, supplier)
    with database.session() as session:
        sent_on = session.get(SupplierPurchaseOrder, po.po_number).created_at  # type: ignore[union-attr]
        plan_cancellation(session, fo_id, "the buyer cancelled", cancel_lines=True)
        plan_cancellation(session, fo_id, "the buyer cancelled again", cancel_lines=True)
    report = run(database)
    assert report.outcomes == {"delivered": 1}, report
    assert send_queued(database, report) == ["sent"]
    assert supplier.collect() == []  # no 850 cancellation
    ((envelope, body),) = change_orders(supplier)
    assert envelope.functional_id == "PC"
    bch = body[0]
    assert (bch[0], bch[1], bch[2], bch[3], bch[6]) == ("BCH", "01", "DS", po.po_number, f"{sent_on:%Y%m%d}")
    assert fo_state(database, fo_id) == "cancelled"
    assert "fulfillment_order.cancel_refused" not in event_types(database, order_id)
    with database.session() as session:
        row = session.get(SupplierPurchaseOrder, po.po_number)
        assert row is not None and row.status == "cancelled"
        query = (
            select(EdiInterchange.control_number)
            .join(EdiTransaction, EdiTransaction.interchange_id == EdiInterchange.id)
            .where(EdiTransaction.set_id == "860")
        )
        assert list(session.scalars(query)) == [row.cancel_control_number]

    with database.session() as session:  # the cancellation is tried again: its 860 is not written again
        delivery = session.scalars(select(Delivery).where(Delivery.operation == outbox.PO_CANCEL)).one()
        delivery.status = DeliveryStatus.PENDING.value
    assert run(database).claimed == 1
    assert len(change_orders(supplier)) == 1
    with database.session() as session:
        assert session.scalar(select(func.count()).where(EdiTransaction.set_id == "860")) == 1


def test_a_997_accepting_the_860_is_recorded_on_the_register(database: Database, tmp_path: Path) -> None:
    supplier = add_supplier(database, tmp_path, "sup3", cancel_with="860")
    _order_id, fo_id = drop_shipped(database)
    sent_po(database, supplier)
    with database.session() as session:
        plan_cancellation(session, fo_id, "the buyer cancelled")
    send_queued(database, run(database))
    ((envelope, _body),) = change_orders(supplier)
    ack = [f"AK1*PC*{envelope.gs06}", f"AK2*860*{envelope.st02}", "AK5*A", "AK9*A*1*1*1"]
    supplier._drop("FA", [("997", ack)], test=envelope.usage == "T")
    receive(database, "sup3")
    with database.session() as session:
        tx = session.scalars(select(EdiTransaction).where(EdiTransaction.set_id == "860")).one()
        assert tx.ack_status == "accepted", tx.ack_status
    assert fo_state(database, fo_id) == "cancelled"


def test_a_997_rejecting_the_860_leaves_the_cancel_refused_with_the_reason(database: Database, tmp_path: Path) -> None:
    supplier = add_supplier(database, tmp_path, "sup3", cancel_with="860")
    order_id, fo_id = drop_shipped(database)
    po = sent_po(database, supplier)
    with database.session() as session:
        plan_cancellation(session, fo_id, "the buyer cancelled")
    send_queued(database, run(database))
    ((envelope, _body),) = change_orders(supplier)
    ack = [f"AK1*PC*{envelope.gs06}", f"AK2*860*{envelope.st02}", "AK5*R*5", "AK9*R*1*1*0"]
    supplier._drop("FA", [("997", ack)], test=envelope.usage == "T")
    receive(database, "sup3")
    (refused,) = events(database, order_id, "fulfillment_order.cancel_refused")
    assert po.po_number in refused["reason"] and "860" in refused["reason"] and "by hand" in refused["reason"]
    with database.session() as session:
        assert session.get(SupplierPurchaseOrder, po.po_number).status == "cancel_rejected"  # type: ignore[union-attr]


def test_a_997_rejecting_the_850_rejects_the_po_and_routes_the_order_again(
    database: Database, sup1: FakeX12Supplier
) -> None:
    order_id, fo_id = drop_shipped(database)
    po = sent_po(database, sup1)
    sup1.acknowledge(po, code="R")
    receive(database, "sup1")
    assert fo_state(database, fo_id) == "rejected"
    (rejected,) = events(database, order_id, "purchase_order.rejected")
    assert "997" in rejected["reason"] and po.po_number in rejected["reason"]
    with database.session() as session:
        assert session.get(SupplierPurchaseOrder, po.po_number).status == "rejected"  # type: ignore[union-attr]


def test_one_856_for_two_orders_ships_each_po(database: Database, sup1: FakeX12Supplier) -> None:
    first_order, first_fo = drop_shipped(database, "2001", units=1)
    second_order, second_fo = drop_shipped(database, "2002", units=3)
    report = run(database)
    assert report.outcomes == {"delivered": 2}, report
    assert set(send_queued(database, report)) == {"sent"}
    first, second = sorted(sup1.collect(), key=lambda po: po.po_number == po_number_for(second_fo))
    assert (first.po_number, second.po_number) == (po_number_for(first_fo), po_number_for(second_fo))
    sup1.answer(first)
    sup1.answer(second)
    receive(database, "sup1")
    sup1.ship([(first, [{"1": 1}]), (second, [{"1": 2}, {"1": 1}])], trackings=["1ZA", "1ZB", "1ZC"])
    receive(database, "sup1")
    assert (fo_state(database, first_fo), fo_state(database, second_fo)) == ("shipped", "shipped")
    with database.session() as session:
        shipments = session.scalars(select(ShipmentRecord).order_by(ShipmentRecord.order_id)).all()
        tracking = {row.order_id: sorted(row.tracking_numbers) for row in shipments}
    assert tracking == {first_order: ["1ZA"], second_order: ["1ZB", "1ZC"]}


def test_the_850_carries_the_agreed_prices_and_the_buyers_ship_to_but_nothing_of_what_the_buyer_paid() -> None:
    order = make_order(
        customer={"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+1 212 555 0100"},
        ship_to={"country": "US", **SHIP_TO},
        bill_to={"country": "US", "name": "Ada Lovelace", "line1": "1 Bill St", "postal_code": "02101"},
        lines=[
            {"line_id": "1", "sku": "LAMP", "quantity": 2},
            {"line_id": "2", "sku": "SHADE", "quantity": 1},
            {"line_id": "3", "sku": "OTHER", "quantity": 1},
        ],
    )
    request = FulfillmentRequest(
        id="ful_01JD3ZQ8X9K2M4N6P8R0T2V4W6",
        location_id="sup1-loc",
        order=order,
        lines=[{"line_id": "1", "sku": "LAMP", "quantity": 2}, {"line_id": "2", "sku": "SHADE", "quantity": 1}],
    )
    terms = SupplierTerms(costs={"LAMP": Decimal("7.50")})
    number = po_number_for(request.id)
    assert len(number) == 22 and number == po_number_for(request.id) and number.startswith("DS01JD3ZQ8X9")
    document = purchase_order_document(request, terms, number)
    assert (document.po_number, document.bill_to, document.customer and document.customer.email) == (number, None, None)
    assert [(line.line_id, line.quantity, line.unit_price) for line in document.lines] == [
        ("1", 2, Money(amount=Decimal("7.50"), currency="USD")),
        ("2", 1, None),  # no agreed price: the supplier prices it, the buyer's price is not its business
    ]
    assert str(document.totals.total.amount) == "15.00"
    profile = parse_profile(
        {
            "theirs": {"qualifier": "ZZ", "id": "SUP1", "gs_id": "SUP1"},
            "ours": {"qualifier": "ZZ", "id": "ORDERHUB", "gs_id": "ORDERHUB"},
            "control_version": "00401",
            "gs_version": "004010",
            "items": [{"partner_item": "SUP1-L1", "sku": "LAMP"}],
        }
    )
    text = build_interchange(profile, [document], lambda kind: 7, set_ids=["850"]).text
    assert f"BEG*00*DS*{number}*" in text and "N1*ST*Ada Lovelace" in text
    assert "PO1*1*2*EA*7.50**SK*LAMP*VN*SUP1-L1" in text and "PO1*2*1*EA***SK*SHADE" in text
    assert "N1*BT" not in text and "ada@example.com" not in text and "10.00" not in text
