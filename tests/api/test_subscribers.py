"""``/api/v1/subscribers``: the signing secret shown once and never again, settings checked by the events
connector, rotation, pause and resume, delete, and who may do which."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import select

from hub.db.models import ApiAuditEntry, Delivery
from tests.api.conftest import Api, problem

ERP = {"name": "erp", "url": "http://127.0.0.1:9/hooks", "events": ["order.shipped"], "allow_private_network": True}


def test_the_secret_is_shown_once_and_views_say_only_set(api: Api, tmp_path: Path) -> None:
    reader, operator, admin = api.token("read"), api.token("operate"), api.token("admin", "integrations")
    problem(api.post("/subscribers", operator, ERP), 403)
    created = api.post("/subscribers", admin, ERP)
    assert created.status_code == 201, created.get_data(as_text=True)
    secret = created.get_json()["secret"]
    assert secret.startswith("whsec_")
    assert created.get_json()["secrets"] == {"secret": "set", "previous_secret": "unset"}
    [kept] = (tmp_path / "data" / "secrets").iterdir()
    assert kept.read_text().strip() == secret and stat.S_IMODE(os.stat(kept).st_mode) == 0o600

    listed = api.get("/subscribers", reader)
    assert [s["name"] for s in listed.get_json()["items"]] == ["erp"]
    for text in (listed.get_data(as_text=True), api.get("/subscribers/erp", reader).get_data(as_text=True)):
        assert secret not in text and "file:" not in text and "secrets" in text
    problem(api.post("/subscribers", admin, ERP), 409)
    with api.database.session() as session:
        audit = [(a.token_name, a.path, a.status) for a in session.scalars(select(ApiAuditEntry))]
    assert ("integrations", "/api/v1/subscribers", 201) in audit


def test_bad_settings_are_refused_naming_the_field(api: Api, tmp_path: Path) -> None:
    admin = api.token("admin")
    unknown = problem(api.post("/subscribers", admin, ERP | {"events": ["order.exploded"]}), 422)
    assert unknown["errors"][0]["name"] == "events" and "order.exploded" in unknown["detail"]
    private = problem(api.post("/subscribers", admin, ERP | {"allow_private_network": False}), 422)
    assert private["errors"][0]["name"] == "url" and "loopback" in private["detail"]
    assert problem(api.post("/subscribers", admin, ERP | {"url": "ftp://x"}), 422)["errors"][0]["name"] == "url"
    assert problem(api.post("/subscribers", admin, ERP | {"timeout": 99}), 422)["errors"][0]["name"] == "timeout"
    assert api.get("/subscribers", admin).get_json()["items"] == []  # nothing half-saved


def test_rotate_pause_resume_and_delete(api: Api) -> None:
    operator, admin = api.token("operate", "desk"), api.token("admin")
    first = api.post("/subscribers", admin, ERP).get_json()["secret"]
    read = api.get("/subscribers/erp", admin)
    problem(api.post("/subscribers/erp/rotate", operator), 403)
    rotated = api.post("/subscribers/erp/rotate", admin, headers={"If-Match": read.headers["ETag"]})
    assert rotated.status_code == 200, rotated.get_data(as_text=True)
    second = rotated.get_json()["secret"]
    assert second.startswith("whsec_") and second != first
    assert rotated.get_json()["secrets"] == {"secret": "set", "previous_secret": "set"}
    stale = api.post("/subscribers/erp/rotate", admin, {"finish": True}, headers={"If-Match": read.headers["ETag"]})
    assert problem(stale, 412)["errors"][0]["name"] == "If-Match"
    finished = api.post("/subscribers/erp/rotate", admin, {"finish": True}).get_json()
    assert finished["secret"] is None and finished["secrets"]["previous_secret"] == "unset"

    paused = api.post("/subscribers/erp/pause", operator, {"reason": "erp upgrade"}).get_json()
    assert paused["paused"] and paused["paused_reason"] == "erp upgrade (api:desk)"
    assert not api.post("/subscribers/erp/resume", operator).get_json()["paused"]

    with api.database.session() as session:
        planned = {"operation": "event.publish", "subject_type": "event", "subject_id": "evt_1", "payload": {}}
        session.add(Delivery(connector="events", destination="events:erp", idempotency_key="evt_1:erp", **planned))
    problem(api.call("DELETE", "/subscribers/erp", operator), 403)
    deleted = api.call("DELETE", "/subscribers/erp", admin)
    assert deleted.status_code == 200 and deleted.get_json()["active"] is False
    assert deleted.get_json()["deliveries"] == {"cancelled": 1}
    problem(api.post("/subscribers/erp/rotate", admin), 409)
    problem(api.post("/subscribers/nobody/pause", operator, {"reason": "x"}), 404)
    again = api.post("/subscribers", admin, ERP)  # a deleted name can be used again, with a new secret
    assert again.status_code == 201 and again.get_json()["secret"] not in (first, second)
