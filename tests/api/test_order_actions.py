"""Acting on an order: route, hold and release (with If-Match), cancel, refund, ship by hand; each recorded
with the token's name on the timeline and in the audit."""

from __future__ import annotations

from sqlalchemy import select

from hub.db.models import ApiAuditEntry, Delivery, ShipmentRecord
from tests.api.conftest import Api, problem
from tests.api.data import stored_order
from tests.delivery.shipment_setup import add_locations, routed_order


def _events(api: Api, token: str, order_id: str) -> list[tuple[str, str]]:
    return [(e["type"], e["source"]) for e in api.get(f"/orders/{order_id}", token).get_json()["timeline"]]


def test_hold_and_release_honour_if_match(api: Api) -> None:
    token = api.token("operate", "desk-1")
    order_id = routed_order(api.database, number="5001").order_id
    etag = api.get(f"/orders/{order_id}", token).headers["ETag"]

    held = api.post(f"/orders/{order_id}/hold", token, {"reason": "address check"}, headers={"If-Match": etag})
    assert held.status_code == 200, held.get_data(as_text=True)
    assert held.get_json()["order"]["order"]["status"] == "on_hold"
    assert held.headers["ETag"] != etag
    assert ("order.held", "api:desk-1") in _events(api, token, order_id)

    stale = api.post(f"/orders/{order_id}/release", token, {}, headers={"If-Match": etag})
    assert problem(stale, 412)["errors"][0]["name"] == "If-Match"
    assert api.get(f"/orders/{order_id}", token).get_json()["order"]["status"] == "on_hold"  # nothing changed

    released = api.post(f"/orders/{order_id}/release", token, {}, headers={"If-Match": held.headers["ETag"]})
    assert released.status_code == 200 and released.get_json()["order"]["order"]["status"] != "on_hold"
    assert ("order.hold_released", "api:desk-1") in _events(api, token, order_id)

    problem(api.post(f"/orders/{order_id}/hold", token, {}), 422)  # no reason
    problem(api.post(f"/orders/{order_id}/hold", token, {"reason": "x", "colour": "red"}), 422)
    problem(api.post("/orders/ord_nope/hold", token, {"reason": "x"}), 404)
    with api.database.session() as session:
        audit = [(a.token_name, a.method, a.path, a.status) for a in session.scalars(select(ApiAuditEntry))]
    assert ("desk-1", "POST", f"/api/v1/orders/{order_id}/hold", 200) in audit
    assert ("desk-1", "POST", f"/api/v1/orders/{order_id}/release", 412) in audit


def test_a_read_token_cannot_act(api: Api) -> None:
    reader = api.token("read")
    order_id = stored_order(api.database, "5101")
    body = problem(api.post(f"/orders/{order_id}/hold", reader, {"reason": "x"}), 403)
    assert "operate" in body["detail"]
    problem(api.post(f"/orders/{order_id}/hold", None, {"reason": "x"}), 401)


def test_route_now_and_ship_by_hand(api: Api) -> None:
    token = api.token("operate", "desk-2")
    add_locations(api.database)
    order_id = stored_order(api.database, "5201")
    routed = api.post(f"/orders/{order_id}/route", token)
    assert routed.status_code == 200, routed.get_data(as_text=True)
    detail = routed.get_json()["order"]
    (fo,) = detail["fulfillment_orders"]
    assert fo["location"] == "wh-nj" and detail["routing"]["outcome"] == "routed"
    assert ("order.routed", "api:desk-2") in _events(api, token, order_id)

    ship = {"fulfillment_order_id": fo["id"], "carrier": "UPS", "tracking_numbers": ["1Z1"], "lines": {"LAMP": 1}}
    shipped = api.post(f"/orders/{order_id}/ship", token, ship)
    assert shipped.status_code == 200, shipped.get_data(as_text=True)
    result = shipped.get_json()
    assert result["order"]["order"]["status"] == "partially_shipped" and result["shipment_id"]
    assert result["order"]["shipments"][0]["tracking_numbers"] == ["1Z1"]
    again = api.post(f"/orders/{order_id}/ship", token, ship).get_json()
    assert "recorded before" in again["done"]
    with api.database.session() as session:
        assert len(session.scalars(select(ShipmentRecord)).all()) == 1

    problem(api.post(f"/orders/{order_id}/ship", token, ship | {"lines": {"LAMP": 0}}), 422)
    problem(api.post(f"/orders/{order_id}/ship", token, ship | {"fulfillment_order_id": "ful_nope"}), 404)
    more = ship | {"lines": {"LAMP": 5}, "tracking_numbers": ["1Z2"]}
    problem(api.post(f"/orders/{order_id}/ship", token, more), 422)  # more units than are left


def test_cancel_and_refund_through_the_channel(api: Api) -> None:
    token = api.token("operate", "desk-3")
    order_id = stored_order(api.database, "5301")
    cancelled = api.post(f"/orders/{order_id}/cancel", token, {"reason": "buyer asked"})
    assert cancelled.status_code == 200, cancelled.get_data(as_text=True)
    result = cancelled.get_json()
    assert result["order"]["order"]["status"] == "cancelled" and len(result["deliveries"]) == 1
    with api.database.session() as session:
        told = session.get(Delivery, result["deliveries"][0])
        assert told is not None and told.operation == "channel.cancel"  # no shopify account: kept, not sent

    refund = {"reason": "damaged", "lines": {"LAMP": 1}, "shipping": True}
    first = api.post(f"/orders/{order_id}/refund", token, refund).get_json()
    assert len(first["deliveries"]) == 1
    second = api.post(f"/orders/{order_id}/refund", token, refund).get_json()
    assert second["deliveries"] == [] and "asked for before" in second["done"]  # the same refund is one refund
    problem(api.post(f"/orders/{order_id}/refund", token, {"reason": "x"}), 422)  # nothing named
    problem(api.post(f"/orders/{order_id}/refund", token, {"reason": "x", "lines": {"NOPE": 1}}), 422)
    problem(api.post(f"/orders/{order_id}/refund", token, {"reason": "x", "lines": {"LAMP": 9}}), 422)
    broken = api.call("POST", f"/orders/{order_id}/refund", token, data="{", content_type="application/json")
    body = problem(broken, 400)
    assert "not JSON" in body["detail"]
    problem(api.call("POST", f"/orders/{order_id}/refund", token, data="x", content_type="text/plain"), 415)
