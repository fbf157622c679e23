"""``/api/v1/inventory``: counts and adjustments through the inventory core (ledger, levels, who wrote), one
level with its ETag, the ledger paged back in time, and available to sell per channel account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from hub.db.models import ApiAuditEntry, ChannelAccount
from tests.api.conftest import Api, problem
from tests.delivery.shipment_setup import STOCK, add_locations, routed_order

LEVEL = "/inventory/level?sku=LAMP&location=wh-nj"


def test_a_count_and_an_adjustment_change_stock_through_the_ledger(api: Api) -> None:
    reader, operator = api.token("read"), api.token("operate", "desk")
    routed_order(api.database, lamps=3, number="7101")  # 3 of the 10 LAMPs committed
    read = api.get(LEVEL, reader)
    assert read.status_code == 200 and read.get_json()["on_hand"] == STOCK and read.headers["ETag"]

    body = {"sku": "LAMP", "location_id": "wh-nj", "quantity": 7, "reference": "sheet-4"}
    problem(api.post("/inventory/counts", reader, body), 403)
    counted = api.post("/inventory/counts", operator, body, headers={"If-Match": read.headers["ETag"]})
    assert counted.status_code == 200, counted.get_data(as_text=True)
    answer = counted.get_json()
    assert (answer["status"], answer["adjustment"], answer["ledger_value"]) == ("applied", -3, STOCK)
    assert (answer["level"]["on_hand"], answer["level"]["available"]) == (7, 4)  # 3 still committed
    assert counted.headers["ETag"] == api.get(LEVEL, reader).headers["ETag"] != read.headers["ETag"]

    stale = api.post("/inventory/adjustments", operator, {"sku": "LAMP", "location_id": "wh-nj", "delta": -1},
                     headers={"If-Match": read.headers["ETag"]})  # fmt: skip
    assert problem(stale, 412)["errors"][0]["name"] == "If-Match"
    taken = api.post("/inventory/adjustments", operator,
                     {"sku": "LAMP", "location_id": "wh-nj", "delta": -2, "note": "dropped", "key": "t-1"},
                     headers={"If-Match": counted.headers["ETag"]})  # fmt: skip
    assert taken.status_code == 200 and taken.get_json()["level"]["on_hand"] == 5
    again = api.post("/inventory/adjustments", operator,
                     {"sku": "LAMP", "location_id": "wh-nj", "delta": -2, "note": "dropped", "key": "t-1"})  # fmt: skip
    assert again.get_json()["applied"] is False and again.get_json()["level"]["on_hand"] == 5

    entries = api.get("/inventory/ledger?sku=LAMP&location=wh-nj&limit=2", reader).get_json()["items"]
    assert [(e["reason"], e["delta"], e["source"]) for e in entries] == [
        ("count", -3, "api:desk"),
        ("adjustment", -2, "api:desk"),
    ]
    assert entries[1]["note"] == "dropped"
    with api.database.session() as session:
        audit = session.scalars(select(ApiAuditEntry).order_by(ApiAuditEntry.id)).all()
        written = [(a.token_name, a.path, a.status) for a in audit]
    assert written[:2] == [("desk", "/api/v1/inventory/counts", 200), ("desk", "/api/v1/inventory/adjustments", 412)]


def test_bad_counts_and_adjustments_name_the_field(api: Api) -> None:
    operator = api.token("operate")
    add_locations(api.database)
    count = {"sku": "LAMP", "location_id": "wh-nj", "quantity": 1}

    def refused(changes: dict[str, Any]) -> dict[str, Any]:
        return problem(api.post("/inventory/counts", operator, count | changes), 422)

    assert refused({"quantity": -1})["errors"][0]["name"] == "quantity"
    assert refused({"as_of": (datetime.now(UTC) + timedelta(days=2)).isoformat()})["errors"][0]["name"] == "as_of"
    assert refused({"as_of": "1999-12-31T23:00:00+00:00"})["errors"][0]["name"] == "as_of"
    nowhere = refused({"location_id": "wh-xx"})
    assert nowhere["errors"][0]["name"] == "location_id" and "wh-xx" in nowhere["detail"]
    adjustment = {"sku": "LAMP", "location_id": "wh-nj", "delta": 0}
    assert problem(api.post("/inventory/adjustments", operator, adjustment), 422)["errors"][0]["name"] == "delta"
    bad_reason = adjustment | {"delta": 1, "reason": "theft"}
    assert problem(api.post("/inventory/adjustments", operator, bad_reason), 422)["errors"][0]["name"] == "reason"
    too_many = problem(api.post("/inventory/adjustments", operator, adjustment | {"delta": -(STOCK + 1)}), 409)
    assert f"only {STOCK} on hand" in too_many["detail"]
    assert api.get(LEVEL, operator).get_json()["on_hand"] == STOCK  # nothing changed
    problem(api.get("/inventory/level?sku=LAMP&location=wh-xx", operator), 404)
    assert problem(api.get("/inventory/level?sku=LAMP", operator), 400)["errors"][0]["name"] == "location"


def test_the_ledger_pages_back_in_time(api: Api) -> None:
    operator = api.token("operate")
    add_locations(api.database)  # one entry: the 10 put on hand
    for delta in (1, 2, 3, 4):
        api.post("/inventory/adjustments", operator, {"sku": "LAMP", "location_id": "wh-nj", "delta": delta})
    first = api.get("/inventory/ledger?sku=LAMP&limit=2", operator).get_json()
    assert [e["delta"] for e in first["items"]] == [3, 4] and first["next_cursor"]
    second = api.get(f"/inventory/ledger?sku=LAMP&limit=2&cursor={first['next_cursor']}", operator).get_json()
    assert [e["delta"] for e in second["items"]] == [1, 2]
    third = api.get(f"/inventory/ledger?sku=LAMP&limit=2&cursor={second['next_cursor']}", operator).get_json()
    assert [e["delta"] for e in third["items"]] == [STOCK] and third["next_cursor"] is None
    assert problem(api.get("/inventory/ledger?sku=LAMP&cursor=xyz", operator), 400)["errors"][0]["name"] == "cursor"


def test_available_to_sell_per_channel_account(api: Api) -> None:
    reader = api.token("read")
    add_locations(api.database)
    with api.database.session() as session:
        session.add(ChannelAccount(channel="shopify", account="main", active=True, settings={}))
    listed = api.get("/inventory/available?sku=LAMP", reader).get_json()["items"]
    assert [(i["channel"], i["account"], i["sku"]) for i in listed] == [("shopify", "main", "LAMP")]
    assert 0 < listed[0]["quantity"] <= STOCK and listed[0]["explanation"]
    paged = api.get("/inventory/available?limit=1", reader).get_json()
    assert len(paged["items"]) == 1 and paged["next_cursor"]
    rest = api.get(f"/inventory/available?limit=5&cursor={paged['next_cursor']}", reader).get_json()["items"]
    assert paged["items"][0]["sku"] not in [item["sku"] for item in rest] and rest
    assert problem(api.get("/inventory/available?color=red", reader), 400)["errors"][0]["name"] == "color"
