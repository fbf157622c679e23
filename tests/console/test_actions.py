"""Acting from the console: each action runs, lands on the order's timeline with the user's email, and a
viewer cannot act."""

from __future__ import annotations

from sqlalchemy import select

from hub.db.models import (
    Delivery,
    DeliveryStatus,
    FulfillmentOrderRecord,
    InboxMessage,
    OrderEvent,
    OrderRecord,
    ShipmentRecord,
)
from tests.api.data import failed_message, make_dead, stored_order
from tests.console.conftest import Console
from tests.delivery.shipment_setup import add_locations, routed_order


def _events(console: Console, order_id: str) -> list[tuple[str, str]]:
    with console.database.session() as session:
        rows = session.scalars(select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id))
        return [(e.type, e.source) for e in rows]


def _status(console: Console, order_id: str) -> str:
    with console.database.session() as session:
        row = session.get(OrderRecord, order_id)
        assert row is not None
        return row.status


def _flash(console: Console, order_id: str) -> str:
    return console.page(f"/console/orders/{order_id}")


def test_hold_release_and_cancel_are_recorded_with_the_user(console: Console) -> None:
    email = console.as_role("operator")
    order_id = routed_order(console.database, number="9001").order_id
    held = console.post(f"/console/orders/{order_id}/hold", {"reason": "address check"})
    assert held.status_code == 302
    assert _status(console, order_id) == "on_hold"
    assert ("order.held", f"console:{email}") in _events(console, order_id)
    assert "on hold: address check" in _flash(console, order_id)
    console.post(f"/console/orders/{order_id}/release")
    assert _status(console, order_id) != "on_hold"
    assert ("order.hold_released", f"console:{email}") in _events(console, order_id)

    console.post(f"/console/orders/{order_id}/hold", {"reason": ""})  # refused by name, nothing changes
    assert "reason" in _flash(console, order_id) and _status(console, order_id) != "on_hold"

    other = stored_order(console.database, "9002")
    console.post(f"/console/orders/{other}/cancel", {"reason": "buyer asked"})
    assert _status(console, other) == "cancelled"
    assert any(source == f"console:{email}" for _type, source in _events(console, other))


def test_route_now_and_ship_by_hand(console: Console) -> None:
    email = console.as_role("admin")
    add_locations(console.database)
    order_id = stored_order(console.database, "9101")
    console.post(f"/console/orders/{order_id}/route")
    assert ("order.routed", f"console:{email}") in _events(console, order_id)
    page = console.page(f"/console/orders/{order_id}")
    assert "Ship by hand" in page
    with console.database.session() as session:
        query = select(FulfillmentOrderRecord.id).where(FulfillmentOrderRecord.order_id == order_id)
        fo_id = session.scalars(query).one()
    form = {"fulfillment_order_id": fo_id, "carrier": "UPS", "tracking": "1Z999"}
    console.post(f"/console/orders/{order_id}/ship", form)
    assert _status(console, order_id) == "shipped"
    shown = console.page(f"/console/orders/{order_id}")
    assert "1Z999" in shown and "recorded shipment" in shown
    with console.database.session() as session:
        assert len(session.scalars(select(ShipmentRecord)).all()) == 1
    assert any(source == f"console:{email}" for kind, source in _events(console, order_id) if "ship" in kind)
    console.post(f"/console/orders/{order_id}/ship", form | {"carrier": ""})
    assert "carrier" in console.page(f"/console/orders/{order_id}")


def test_replay_dead_deliveries_single_and_bulk(console: Console) -> None:
    email = console.as_role("operator")
    first = routed_order(console.database, number="9201")
    second = routed_order(console.database, number="9202")
    with console.database.session() as session:
        ids = list(session.scalars(select(Delivery.id).where(Delivery.order_id.in_([first.order_id, second.order_id]))))
    for delivery_id in ids:
        make_dead(console.database, delivery_id)
    back = f"/console/orders/{first.order_id}"
    ticked = [str(i) for i in ids]  # a row's own button replays that row only, whatever else is ticked
    answer = console.post("/console/deliveries/replay", {"delivery_id": ticked, "only": str(ids[0]), "back": back})
    assert answer.headers["Location"].endswith(back)
    with console.database.session() as session:
        assert session.get(Delivery, ids[0]).status == DeliveryStatus.PENDING  # type: ignore[union-attr]
        assert session.get(Delivery, ids[1]).status == DeliveryStatus.DEAD  # type: ignore[union-attr]
    assert ("delivery.replayed", f"console:{email}") in _events(console, first.order_id)

    console.post("/console/deliveries/replay", {"delivery_id": ticked})  # bulk, one of them already pending
    with console.database.session() as session:
        assert {session.get(Delivery, i).status for i in ids} == {DeliveryStatus.PENDING}  # type: ignore[union-attr]
    page = console.page("/console/failures")
    assert "replayed deliveries" in page and "only a dead or cancelled" in page  # the pending one is refused


def test_replay_a_failed_message(console: Console) -> None:
    console.as_role("operator")
    message_id = failed_message(console.database)
    console.post("/console/inbox/replay", {"inbox_id": str(message_id)})
    with console.database.session() as session:
        row = session.get(InboxMessage, message_id)
        assert row is not None and row.attempts == 2  # processed again (still broken JSON)
    assert "replayed messages" in console.page("/console/failures")


def test_a_viewer_cannot_act(console: Console) -> None:
    console.as_role("viewer")
    order_id = routed_order(console.database, number="9301").order_id
    with console.database.session() as session:
        delivery_id = session.scalars(select(Delivery.id).where(Delivery.order_id == order_id)).first()
    make_dead(console.database, delivery_id or 0)
    for path, form in (
        (f"/console/orders/{order_id}/hold", {"reason": "x"}),
        (f"/console/orders/{order_id}/route", {}),
        (f"/console/orders/{order_id}/ship", {"fulfillment_order_id": "x", "carrier": "UPS", "tracking": "1"}),
        ("/console/deliveries/replay", {"delivery_id": str(delivery_id)}),
        ("/console/inbox/replay", {"inbox_id": "1"}),
    ):
        refused = console.post(path, form)
        assert refused.status_code == 403 and "operator role" in refused.get_data(as_text=True), path
    assert _status(console, order_id) != "on_hold"
    with console.database.session() as session:
        assert session.get(Delivery, delivery_id).status == DeliveryStatus.DEAD  # type: ignore[union-attr]
    assert 'type="checkbox"' not in console.page("/console/failures")
