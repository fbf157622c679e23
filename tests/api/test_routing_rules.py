"""``/api/v1/routing/rules``: the rules in effect, new versions checked like a rule file and stored with who
wrote them, the workers' rule cache picking up the newest, and simulating a draft."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from hub.db.models import ApiAuditEntry, FulfillmentOrderRecord
from hub.oms.process_cache import current_rules
from hub.worker.tasks.route import configured_rules
from tests.api.conftest import Api, problem
from tests.api.data import stored_order
from tests.cli.hub_runner import hub_for
from tests.delivery.shipment_setup import add_locations


def not_from(location: str, name: str = "not-there") -> dict[str, Any]:
    """A rule document that never routes to ``location`` and backorders nothing."""
    rule = {"name": name, "pipeline": [{"filter": "location", "exclude": [location]}, {"sort": "nearest"}]}
    return {"version": 1, "defaults": {"policy": {"allow_backorder": False}}, "rules": [rule]}


def put(api: Api, token: str, document: Any, **options: Any) -> Any:
    return api.call("PUT", "/routing/rules", token, json={"document": document, "note": "test"}, **options)


def test_rules_are_versioned_with_who_wrote_them(api: Api) -> None:
    reader, operator, admin = api.token("read"), api.token("operate"), api.token("admin", "ops-lead")
    shipped = api.get("/routing/rules", reader)
    assert shipped.status_code == 200 and shipped.get_json()["source"] == "shipped"
    names = [rule["name"] for rule in shipped.get_json()["rules"]]
    assert shipped.get_json()["version"] is None and "pickup-in-store" in names

    problem(put(api, operator, not_from("wh-nj")), 403)
    first = put(api, admin, not_from("wh-nj"), headers={"If-Match": shipped.headers["ETag"]})
    assert first.status_code == 200, first.get_data(as_text=True)
    stored = first.get_json()
    assert (stored["source"], stored["version"], stored["created_by"]) == ("database", 1, "api:ops-lead")
    assert [r["name"] for r in stored["rules"]] == ["not-there"] and stored["document"] == not_from("wh-nj")
    current = api.get("/routing/rules", reader)
    assert current.get_json() == stored and current.headers["ETag"] == first.headers["ETag"]

    stale = put(api, admin, not_from("wh-pa"), headers={"If-Match": shipped.headers["ETag"]})
    assert problem(stale, 412)["errors"][0]["name"] == "If-Match"
    second = put(api, admin, not_from("wh-pa", "second"), headers={"If-Match": first.headers["ETag"]})
    assert second.get_json()["version"] == 2

    versions = api.get("/routing/rules/versions?limit=1", reader).get_json()
    assert [(v["version"], v["rules"]) for v in versions["items"]] == [(2, ["second"])] and versions["next_cursor"]
    older = api.get(f"/routing/rules/versions?cursor={versions['next_cursor']}", reader).get_json()["items"]
    assert [v["version"] for v in older] == [1]
    assert api.get("/routing/rules/versions/1", reader).get_json()["document"] == not_from("wh-nj")
    problem(api.get("/routing/rules/versions/99", reader), 404)
    with api.database.session() as session:
        audit = [(a.token_name, a.method, a.status) for a in session.scalars(select(ApiAuditEntry))]
    assert audit.count(("ops-lead", "PUT", 200)) == 2 and ("ops-lead", "PUT", 412) in audit


def test_a_bad_rule_is_refused_naming_its_path(api: Api) -> None:
    admin = api.token("admin")
    flying = not_from("wh-nj")
    flying["rules"][0]["pipeline"][0] = {"filter": "can_fly"}
    refused = problem(put(api, admin, flying), 422)
    assert refused["errors"][0]["name"] == "document.rules.0.pipeline.0.filter"
    assert "can_fly" in refused["detail"] and "can_ship" in refused["detail"]  # the known names
    twice = not_from("wh-nj")
    twice["rules"].append(twice["rules"][0])
    assert problem(put(api, admin, twice), 422)["errors"][0]["name"] == "document.rules"
    assert problem(put(api, admin, {"rules": []}), 422)["errors"][0]["name"].startswith("document")
    assert api.get("/routing/rules", admin).get_json()["source"] == "shipped"  # nothing stored


def test_workers_route_with_the_newest_version_and_drafts_can_be_simulated(api: Api, make_settings: Any) -> None:
    admin = api.token("admin")
    add_locations(api.database)  # LAMP only at wh-nj
    assert "pickup-in-store" in [rule.name for rule in current_rules(None, api.database).rules]
    put(api, admin, not_from("wh-pa", "first"))
    assert [rule.name for rule in current_rules(None, api.database).rules] == ["first"]
    put(api, admin, not_from("wh-nj", "second"))
    assert [rule.name for rule in current_rules(None, api.database).rules] == ["second"]  # the next batch sees it
    worker = SimpleNamespace(runtime=SimpleNamespace(database=api.database, settings=make_settings()))
    assert [rule.name for rule in configured_rules(worker).rules] == ["second"]  # type: ignore[arg-type]

    order_id = stored_order(api.database, "8101")  # LAMP x2
    in_effect = api.post("/routing/simulate", admin, {"order_id": order_id}).get_json()["decision"]
    assert in_effect["lines"][0]["allocations"] == []  # version 2 keeps it away from wh-nj
    draft = api.post("/routing/simulate", admin, {"order_id": order_id, "rules": not_from("wh-pa")}).get_json()
    assert draft["decision"]["lines"][0]["allocations"][0]["location"] == "wh-nj"
    bad = {"order_id": order_id, "rules": {"version": 1, "rules": [{"name": "x", "pipeline": [{"sort": "nope"}]}]}}
    refused = problem(api.post("/routing/simulate", admin, bad), 422)
    assert refused["errors"][0]["name"] == "rules.rules.0.pipeline.0.sort"


def test_routing_by_hand_uses_the_stored_version_too(
    api: Api, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_locations(api.database)
    put(api, api.token("admin"), not_from("wh-nj"))
    order_id = stored_order(api.database, "8201")  # LAMP x2, stocked at wh-nj only
    hub = hub_for(api.database, database_url, tmp_path, monkeypatch, capsys)
    hub("route", "order", order_id)
    with api.database.session() as session:
        assert session.scalar(select(func.count()).select_from(FulfillmentOrderRecord)) == 0
