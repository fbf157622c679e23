"""``GET /api/v1/fulfillment-orders``: each location's work queue, oldest first, with what is left to ship."""

from __future__ import annotations

from tests.api.conftest import Api, problem
from tests.delivery.shipment_setup import routed_order


def test_the_work_queue_of_a_location(api: Api) -> None:
    reader, operator = api.token("read"), api.token("operate")
    first = routed_order(api.database, lamps=3, number="9101")
    second = routed_order(api.database, lamps=1, number="9102")
    queue = api.get("/fulfillment-orders?location=wh-nj&limit=1", reader).get_json()
    assert [fo["id"] for fo in queue["items"]] == [first.nj]  # oldest first
    rest = api.get(f"/fulfillment-orders?location=wh-nj&cursor={queue['next_cursor']}", reader).get_json()
    assert [fo["id"] for fo in rest["items"]] == [second.nj] and rest["next_cursor"] is None
    assert queue["items"][0]["fulfilled_by"] == "edi:ACME" and queue["items"][0]["lines"][0]["open"] == 3

    ship = {"fulfillment_order_id": second.nj, "carrier": "UPS", "tracking_numbers": ["1Z9"]}
    assert api.post(f"/orders/{second.order_id}/ship", operator, ship).status_code == 200
    still_open = api.get("/fulfillment-orders?location=wh-nj", reader).get_json()["items"]
    assert [fo["id"] for fo in still_open] == [first.nj]
    shipped = api.get("/fulfillment-orders?state=shipped", reader).get_json()["items"]
    assert [fo["id"] for fo in shipped] == [second.nj] and shipped[0]["lines"][0]["open"] == 0
    assert len(api.get(f"/fulfillment-orders?state=all&order_id={first.order_id}", reader).get_json()["items"]) == 2
    assert problem(api.get("/fulfillment-orders?state=lost", reader), 400)["errors"][0]["name"] == "state"
