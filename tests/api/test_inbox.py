"""``/api/v1/inbox``: the raw message as received, and replaying it."""

from __future__ import annotations

from tests.api.conftest import Api, problem
from tests.api.data import failed_message


def test_list_show_and_replay_a_failed_message(api: Api) -> None:
    reader, operator = api.token("read"), api.token("operate")
    first = failed_message(api.database)
    second = failed_message(api.database, b"\xff\xfe not utf-8")
    listed = api.get("/inbox?status=failed&limit=1", reader).get_json()
    assert [m["id"] for m in listed["items"]] == [second]
    assert [m["id"] for m in api.get(f"/inbox?cursor={listed['next_cursor']}", reader).get_json()["items"]] == [first]
    assert api.get("/inbox?status=processed", reader).get_json()["items"] == []
    problem(api.get("/inbox?status=lost", reader), 400)

    shown = api.get(f"/inbox/{first}", reader)
    assert shown.status_code == 200 and shown.get_json()["body"] == '{"id": 1, "broken":'
    assert shown.get_json()["headers"] == {"X-Test": "1"} and shown.headers["ETag"]
    assert "\ufffd" in api.get(f"/inbox/{second}", reader).get_json()["body"]

    problem(api.post(f"/inbox/{first}/replay", reader), 403)
    replayed = api.post(f"/inbox/{first}/replay", operator)
    assert replayed.status_code == 200, replayed.get_data(as_text=True)
    result = replayed.get_json()
    assert result["status"] == "failed" and result["message"]["attempts"] == 2  # processed again, still broken
    problem(api.post(f"/inbox/{first}/replay", operator, headers={"If-Match": shown.headers["ETag"]}), 412)
    problem(api.get("/inbox/424242", reader), 404)
