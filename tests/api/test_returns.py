"""Returns through the API: request, authorize, receive and restock a shipped unit; the stock comes back."""

from __future__ import annotations

from hub.lifecycle.commands import DeliverLines
from hub.lifecycle.store import execute
from tests.api.conftest import Api, problem
from tests.api.data import stored_order
from tests.delivery.shipment_setup import STOCK, routed_order


def test_a_return_from_request_to_restock(api: Api) -> None:
    token = api.token("operate", "returns-desk")
    order = routed_order(api.database, shades=2, number="9301")
    for fo in (order.pa, order.nj):  # returns open once the order has shipped
        ship = {"fulfillment_order_id": fo, "carrier": "UPS", "tracking_numbers": [f"1Z{fo}"]}
        assert api.post(f"/orders/{order.order_id}/ship", token, ship).status_code == 200
    with api.database.session() as session:  # the carrier reports it delivered (not an API action)
        execute(session, order.order_id, DeliverLines(lines={"1": 3, "2": 2}), source="carrier")

    def step(command: dict[str, object], status: int = 200) -> dict[str, object]:
        response = api.post(f"/orders/{order.order_id}/returns", token, {"command": command})
        assert response.status_code == status, response.get_data(as_text=True)
        return response.get_json()  # type: ignore[no-any-return]

    step({"do": "request_return", "id": "ret_1", "lines": {"2": 1}, "reason": "too big", "location": "wh-pa"})
    step({"do": "authorize_return", "id": "ret_1", "rma_number": "RMA-9"})
    step({"do": "receive_return", "id": "ret_1"})
    step({"do": "inspect_return", "id": "ret_1", "conditions": {"2": "resellable"}})
    step({"do": "restock_return", "id": "ret_1"})
    (ret,) = api.get(f"/orders/{order.order_id}/returns", token).get_json()["items"]
    assert ret["rma_number"] == "RMA-9" and ret["lines"][0] == {
        "line_id": "2", "sku": "SHADE", "requested": 1, "received": 1, "cancelled": 0, "restocked": 1,
        "disposed": 0, "condition": "resellable",
    }  # fmt: skip
    (level,) = api.get("/inventory?sku=SHADE", token).get_json()["items"]
    assert level["on_hand"] == STOCK - 2 + 1  # shipped two, one came back on the shelf
    events = [(e["type"], e["source"]) for e in api.get(f"/orders/{order.order_id}", token).get_json()["timeline"]]
    assert ("return.restocked", "api:returns-desk") in events

    problem(api.post(f"/orders/{order.order_id}/returns", token, {"command": {"do": "close_return"}}), 422)
    problem(api.post(f"/orders/{order.order_id}/returns", token, {"command": {"do": "fly", "id": "x"}}), 422)
    body = {"command": {"do": "request_return", "lines": {"2": 5}}}
    problem(api.post(f"/orders/{order.order_id}/returns", token, body), 409)  # more than was shipped
    nul = {"command": {"do": "reject_return", "id": "ret_1", "reason": "bad\x00"}}
    assert problem(api.post(f"/orders/{order.order_id}/returns", token, nul), 422)["errors"][0]["name"] == (
        "command.reason"
    )
    never_routed = stored_order(api.database, "9302")
    problem(api.post(f"/orders/{never_routed}/returns", token, {"command": {"do": "close_return", "id": "r"}}), 409)
