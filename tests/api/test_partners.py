"""``/api/v1/partners``: X12 partners and drop-ship suppliers created and replaced through the store the CLI
uses, each mistake in a profile named by its path, concurrent edits refused with 412."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hub.db.models import ApiAuditEntry, Partner
from hub.edi.partners import get_partner
from tests.api.conftest import Api, problem


def supplier(isa: str = "ACME") -> dict[str, Any]:
    profile = {
        "theirs": {"qualifier": "ZZ", "id": isa, "gs_id": isa},
        "ours": {"qualifier": "ZZ", "id": "ORDERHUB", "gs_id": "ORDERHUB"},
        "control_version": "00401",
        "gs_version": "004010",
        "items": [{"partner_item": "A-1", "sku": "LAMP", "qualifier": "VN"}],
        "transports": [{"type": "sftp", "host": "sftp.acme.example", "username": "hub",
                        "private_key": "file:/run/secrets/acme", "host_key": "SHA256:abcdefgh"}],
        "supplier": {"ack_within": "4h", "costs": {"LAMP": "7.50"}},
    }  # fmt: skip
    return {"name": "Acme Supply", "kind": "supplier", "profile": profile}


def put(api: Api, token: str, body: Any, partner: str = "acme", **options: Any) -> Any:
    return api.call("PUT", f"/partners/{partner}", token, json=body, **options)


def test_a_supplier_is_created_read_and_replaced(api: Api) -> None:
    reader, operator, admin = api.token("read"), api.token("operate"), api.token("admin", "edi-team")
    problem(put(api, operator, supplier()), 403)
    created = put(api, admin, supplier())
    assert created.status_code == 200, created.get_data(as_text=True)
    with api.database.session() as session:  # what `orderhub partner show` and the EDI engine read
        stored = get_partner(session, "acme")
    assert stored.kind == "supplier" and stored.profile.sku_for("A-1") == "LAMP"
    assert stored.profile.supplier is not None and str(stored.profile.supplier.costs["LAMP"]) == "7.50"

    listed = api.get("/partners?kind=supplier", reader).get_json()["items"]
    assert [(p["id"], p["isa"], p["transports"], p["supplier_terms"]) for p in listed] == [
        ("acme", "ZZ:ACME", ["sftp"], True)
    ]
    assert api.get("/partners?kind=3pl", reader).get_json()["items"] == []
    read = api.get("/partners/acme", reader)
    assert read.get_json()["profile"]["transports"][0]["private_key"] == "file:/run/secrets/acme"  # a reference

    changed = supplier()
    changed["profile"]["supplier"]["ack_within"] = "2h"
    replaced = put(api, admin, changed, headers={"If-Match": read.headers["ETag"]})
    assert replaced.status_code == 200 and replaced.get_json()["profile"]["supplier"]["ack_within"] == "2h"
    stale = put(api, admin, supplier(), headers={"If-Match": read.headers["ETag"]})
    assert problem(stale, 412)["errors"][0]["name"] == "If-Match"
    with api.database.session() as session:
        audit = [(a.token_name, a.status, a.subject) for a in session.scalars(select(ApiAuditEntry))]
    assert audit.count(("edi-team", 200, "acme")) == 2


def test_profile_mistakes_are_named_and_nothing_is_stored(api: Api) -> None:
    admin = api.token("admin")
    wrong_version = supplier()
    wrong_version["profile"]["control_version"] = "00999"
    assert problem(put(api, admin, wrong_version), 422)["errors"][0]["name"] == "profile.control_version"
    plain_secret = supplier()
    plain_secret["profile"]["transports"][0]["private_key"] = "-----BEGIN KEY-----"
    refused = problem(put(api, admin, plain_secret), 422)
    assert refused["errors"][0]["name"].startswith("profile.transports.0") and "BEGIN" not in refused["detail"]
    assert problem(put(api, admin, supplier() | {"kind": "channel"}), 422)["errors"][0]["name"] == "kind"
    assert problem(put(api, admin, supplier(), partner="bad id!"), 400)["errors"][0]["name"] == "partner_id"
    problem(api.get("/partners/acme", admin), 404)

    put(api, admin, supplier())
    clash = problem(put(api, admin, supplier(), partner="other"), 409)  # the same ISA sender as acme
    assert "ZZ:ACME" in clash["detail"] and "acme" in clash["detail"]


def test_a_stored_profile_that_no_longer_validates_is_listed_and_can_be_replaced(api: Api) -> None:
    admin = api.token("admin")
    with api.database.session() as session:
        session.add(Partner(id="acme", name="Acme 3PL", kind="3pl", profile={}))  # written around the hub
    [listed] = api.get("/partners", admin).get_json()["items"]
    assert listed["id"] == "acme" and "theirs" in listed["profile_error"] and listed["isa"] is None
    assert "PUT a whole profile" in problem(api.get("/partners/acme", admin), 409)["detail"]
    fixed = put(api, admin, supplier() | {"kind": "3pl"})
    assert fixed.status_code == 200 and api.get("/partners", admin).get_json()["items"][0]["profile_error"] is None
