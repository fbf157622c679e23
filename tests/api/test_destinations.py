"""``/api/v1/destinations``: state of each place deliveries go, pausing and resuming one."""

from __future__ import annotations

from hub.db.models import ConnectorAccount
from tests.api.conftest import Api, problem
from tests.delivery.shipment_setup import routed_order


def test_pause_and_resume_a_destination(api: Api) -> None:
    reader, operator = api.token("read"), api.token("operate", "desk")
    routed_order(api.database, number="9201")
    with api.database.session() as session:
        account = ConnectorAccount(connector="shipstation", account="main", settings={}, secrets={"key": "env:K"})
        session.add(account)
    listed = {d["destination"]: d for d in api.get("/destinations", reader).get_json()["items"]}
    assert listed["edi:ACME"]["deliveries"] == {"pending": 1} and not listed["edi:ACME"]["connector_account"]
    assert listed["shipstation:main"]["connector_account"] and listed["shipstation:main"]["deliveries"] == {}
    assert "env:K" not in api.get("/destinations", reader).get_data(as_text=True)  # no secret reference shown

    problem(api.post("/destinations/edi:ACME/pause", reader, {"reason": "x"}), 403)
    paused = api.post("/destinations/edi:ACME/pause", operator, {"reason": "partner down"}).get_json()
    assert paused["paused"] and paused["paused_reason"] == "partner down (api:desk)"
    resumed = api.post("/destinations/edi:ACME/resume", operator).get_json()
    assert not resumed["paused"] and resumed["paused_reason"] is None
    problem(api.post("/destinations/nowhere:at-all/pause", operator, {"reason": "x"}), 404)
