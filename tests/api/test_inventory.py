"""``/api/v1/inventory``: a SKU's stock across locations, one location's, and the ledger behind them."""

from __future__ import annotations

from tests.api.conftest import Api, problem
from tests.delivery.shipment_setup import STOCK, routed_order


def test_levels_and_ledger(api: Api) -> None:
    token = api.token("read")
    order = routed_order(api.database, lamps=3, shades=2, number="7001")
    lamps = api.get("/inventory?sku=LAMP", token).get_json()
    (level,) = lamps["items"]
    assert (level["location_id"], level["on_hand"], level["committed"]) == ("wh-nj", STOCK, 3)
    assert level["available"] == STOCK - 3 == lamps["available"]
    assert [i["sku"] for i in api.get("/inventory?location=wh-pa", token).get_json()["items"]] == ["SHADE"]
    assert api.get("/inventory?sku=LAMP&location=wh-pa", token).get_json() == {"items": [], "available": 0}
    assert problem(api.get("/inventory", token), 400)["errors"][0]["name"] == "sku"

    entries = api.get("/inventory/ledger?sku=LAMP", token).get_json()["items"]
    assert [(e["bucket"], e["delta"]) for e in entries] == [("on_hand", STOCK), ("committed", 3)]
    mine = api.get(f"/inventory/ledger?sku=LAMP&order_id={order.order_id}&limit=1", token).get_json()["items"]
    assert [e["order_id"] for e in mine] == [order.order_id]
    assert problem(api.get("/inventory/ledger", token), 400)["errors"][0]["name"] == "sku"
    problem(api.get("/inventory/ledger?sku=LAMP&limit=0", token), 400)
