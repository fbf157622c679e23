"""``/api/v1/edi/interchanges``: interchanges with each set's acknowledgment, and the raw X12."""

from __future__ import annotations

from hub.db.models import EdiInterchange, EdiTransaction
from hub.db.session import Database
from tests.api.conftest import Api, problem
from tests.api.data import failed_message

X12 = "ISA*00*          *00*          *ZZ*HUB            *ZZ*ACME           *...~"


def _interchange(database: Database, direction: str, inbox_id: int | None = None) -> int:
    with database.session() as session:
        row = EdiInterchange(
            direction=direction, control_number="000000007", sender="ZZ:HUB", receiver="ZZ:ACME", usage="P",
            status="sent" if direction == "out" else "accepted", kind="documents",
            text=X12 if direction == "out" else None, inbox_message_id=inbox_id,
        )  # fmt: skip
        session.add(row)
        session.flush()
        session.add(
            EdiTransaction(
                interchange_id=row.id, direction=direction, functional_id="PO", group_control_number="7",
                gs_version="004010", set_id="850", control_number="0001", reference="PO-1", status="sent",
                ack_status="accepted" if direction == "out" else None, ack_codes=["A"] if direction == "out" else [],
            )  # fmt: skip
        )
        return row.id


def test_interchanges_with_acknowledgments_and_raw_x12(api: Api) -> None:
    token = api.token("read")
    sent = _interchange(api.database, "out")
    received = _interchange(api.database, "in", failed_message(api.database, b"ISA*received~"))
    listed = api.get("/edi/interchanges", token).get_json()["items"]
    assert [i["id"] for i in listed] == [received, sent]
    assert listed[1]["sets"][0]["ack_status"] == "accepted" and listed[1]["sets"][0]["reference"] == "PO-1"
    assert [i["id"] for i in api.get("/edi/interchanges?direction=out", token).get_json()["items"]] == [sent]
    assert api.get(f"/edi/interchanges/{sent}", token).get_json()["x12"] == X12
    detail = api.get(f"/edi/interchanges/{received}", token)
    assert detail.get_json()["x12"] == "ISA*received~" and detail.headers["ETag"]
    problem(api.get("/edi/interchanges?direction=sideways", token), 400)
    problem(api.get("/edi/interchanges/99999", token), 404)
