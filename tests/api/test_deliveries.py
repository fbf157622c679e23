"""``/api/v1/deliveries``: list with filters and pages, detail with attempts and ETag, replay and cancel."""

from __future__ import annotations

from sqlalchemy import select

from hub.db.models import Delivery
from tests.api.conftest import Api, problem
from tests.api.data import make_dead
from tests.delivery.shipment_setup import routed_order


def _deliveries(api: Api) -> list[int]:
    with api.database.session() as session:
        return sorted(session.scalars(select(Delivery.id)))


def test_list_filters_and_pages(api: Api) -> None:
    token = api.token("read")
    first = routed_order(api.database, number="6001")
    routed_order(api.database, number="6002")
    every = _deliveries(api)
    listed = api.get("/deliveries?limit=1", token).get_json()
    assert [item["id"] for item in listed["items"]] == [every[-1]] and listed["next_cursor"]
    rest = api.get(f"/deliveries?limit=200&cursor={listed['next_cursor']}", token).get_json()
    assert [item["id"] for item in rest["items"]] == list(reversed(every[:-1])) and rest["next_cursor"] is None
    mine = api.get(f"/deliveries?order_id={first.order_id}", token).get_json()["items"]
    assert mine and {item["order_id"] for item in mine} == {first.order_id}
    assert api.get("/deliveries?status=dead", token).get_json()["items"] == []
    assert [i["destination"] for i in api.get("/deliveries?connector=edi:ACME", token).get_json()["items"]]
    assert problem(api.get("/deliveries?status=lost", token), 400)["errors"][0]["name"] == "status"


def test_replay_and_cancel_need_operate_and_honour_if_match(api: Api) -> None:
    reader, operator = api.token("read"), api.token("operate")
    routed_order(api.database, number="6101")
    delivery_id = _deliveries(api)[0]

    shown = api.get(f"/deliveries/{delivery_id}", reader)
    assert shown.status_code == 200 and shown.get_json()["attempts"] == [] and shown.get_json()["payload"]
    assert "only a dead or cancelled" in problem(api.post(f"/deliveries/{delivery_id}/replay", operator), 409)["detail"]

    make_dead(api.database, delivery_id)
    problem(api.post(f"/deliveries/{delivery_id}/replay", reader), 403)  # a read token cannot replay
    stale = shown.headers["ETag"]
    problem(api.post(f"/deliveries/{delivery_id}/replay", operator, headers={"If-Match": stale}), 412)
    current = api.get(f"/deliveries/{delivery_id}", reader).headers["ETag"]
    replayed = api.post(f"/deliveries/{delivery_id}/replay", operator, headers={"If-Match": current})
    assert replayed.status_code == 200, replayed.get_data(as_text=True)
    assert replayed.get_json()["status"] == "pending"

    cancelled = api.post(f"/deliveries/{delivery_id}/cancel", operator, {"reason": "sent by phone"})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert "sent by phone" in cancelled.get_json()["last_error"]
    assert "only a pending or dead" in problem(api.post(f"/deliveries/{delivery_id}/cancel", operator), 409)["detail"]
    problem(api.get("/deliveries/999999", reader), 404)
    problem(api.get(f"/deliveries/{2**63}", reader), 404)
    problem(api.post("/deliveries/999999/replay", operator), 404)
