"""``POST /api/v1/routing/simulate``: the decision and trace for a stored or a given order, committing nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from hub.db.models import FulfillmentOrderRecord
from tests.api.conftest import Api, problem
from tests.api.data import stored_order
from tests.delivery.shipment_setup import add_locations
from tests.routing.builders import order_data


def test_simulate_a_stored_and_a_given_order(api: Api) -> None:
    token = api.token("read")
    add_locations(api.database)
    order_id = stored_order(api.database, "8001")
    response = api.post("/routing/simulate", token, {"order_id": order_id})
    assert response.status_code == 200, response.get_data(as_text=True)
    decision = response.get_json()["decision"]
    assert decision["outcome"] == "routed" and decision["lines"][0]["allocations"][0]["location"] == "wh-nj"
    assert decision["trace"]["candidates"]
    with api.database.session() as session:
        assert session.scalar(select(func.count()).select_from(FulfillmentOrderRecord)) == 0  # nothing committed

    given = order_data({"channel_order_id": "x", "lines": [{"line_id": "1", "sku": "SHADE", "quantity": 20}]})
    short = api.post("/routing/simulate", token, {"order": given}).get_json()["decision"]
    assert short["lines"][0]["allocations"] == [] or short["outcome"] != "routed"  # 10 on hand, 20 wanted

    bad = problem(api.post("/routing/simulate", token, {"order": {"lines": []}}), 422)
    assert all(error["name"].startswith("order.") for error in bad["errors"])
    problem(api.post("/routing/simulate", token, {}), 422)
    problem(api.post("/routing/simulate", token, {"order_id": "ord_nope"}), 422)
