"""``POST /edi/<partner>`` over real HTTP on loopback: who may post, what is answered, and that what is stored
is exactly what was posted, whatever it is."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select
from werkzeug.serving import make_server

from hub.channels.process import process_message
from hub.db.models import EdiInterchange
from hub.db.session import Database
from hub.edi.transports.http_endpoint import clear_credential_cache
from hub.web.app import create_app
from tests.edi.transports.conftest import ISA, add_partner, inbox

TOKEN = "tok-3f9a1c77e2d04b8f"
PASSWORD = "pw-c0ffee-51de"


@dataclass
class Endpoint:
    url: str
    database: Database

    def post(
        self, partner: str, body: bytes, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> requests.Response:
        return requests.post(f"{self.url}/edi/{partner}", data=body, headers=headers or {}, timeout=10, **kwargs)


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/edi-x12"}


@pytest.fixture
def endpoint(make_settings, database_url: str, tmp_path: Path, secret_file: Any) -> Iterator[Endpoint]:  # type: ignore[no-untyped-def]
    settings = make_settings(
        database_url=database_url,
        broker_url=f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}",
        web={"max_body_bytes": 4096},
    )
    server = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    database = Database(database_url)
    add_partner(database, "acme", inbound_http={"token": secret_file(TOKEN)})
    add_partner(database, "globex", inbound_http={"username": "globex", "password": secret_file(PASSWORD)})
    add_partner(database, "initech")  # no inbound credential
    add_partner(database, "dormant", active=False, inbound_http={"token": secret_file(TOKEN)})
    add_partner(database, "broken", inbound_http={"token": "env:ORDERHUB_TEST_UNSET_TOKEN"})
    clear_credential_cache()
    yield Endpoint(f"http://127.0.0.1:{server.server_port}", database)
    server.shutdown()
    thread.join(timeout=5)
    database.dispose()
    clear_credential_cache()


@pytest.mark.parametrize(
    "content_type", ["application/edi-x12", "application/edi", "text/plain", "application/octet-stream"]
)
def test_a_posted_interchange_is_stored_byte_for_byte(endpoint: Endpoint, content_type: str) -> None:
    # CRLF line ends, a Latin-1 byte and a trailing Ctrl-Z: nothing is decoded, trimmed or re-encoded.
    body = ISA.replace("PO-1", "PO-\xe9").encode("latin-1").replace(b"~", b"~\r\n") + b"\x1a"
    headers = {**bearer(), "Content-Type": content_type, "X-Filename": "po_905.x12"}

    answer = endpoint.post("acme", body, headers)

    assert answer.status_code == 202, answer.text
    [message] = inbox(endpoint.database)
    assert answer.json() == {"status": "accepted", "inbox_id": message.id}
    assert message.body == body
    assert (message.source, message.channel, message.account, message.topic) == (
        "edi-http",
        "x12",
        "acme",
        "po_905.x12",
    )
    assert message.status == "received" and message.content_type == "application/edi-x12"
    assert "authorization" not in message.headers and message.headers["content-type"] == content_type


def test_a_body_that_is_not_x12_is_stored_failed_and_told_at_once_that_no_ta1_will_come(endpoint: Endpoint) -> None:
    body = b'{"this": "is json, not X12"}'
    answer = endpoint.post("acme", body, {**bearer(), "Content-Type": "application/json"})
    [message] = inbox(endpoint.database)
    assert message.body == body  # never lost
    # No ISA: there is no ISA13, date or time for a TA1 to name, so the sender hears it now, not later.
    assert answer.status_code == 422
    assert answer.json()["inbox_id"] == message.id
    error = answer.json()["error"]
    assert error["code"] == "not_x12" and "no ISA segment" in error["message"] and "no TA1 or 997" in error["message"]
    outcome = process_message(endpoint.database, message.id)
    assert outcome.status == "failed" and "not X12: no ISA segment in 28 bytes" in outcome.detail
    assert outcome.outbound == ()
    with endpoint.database.session() as session:
        assert session.scalars(select(EdiInterchange)).all() == []


def test_an_interchange_that_fails_its_checks_is_accepted_now_and_answered_later(endpoint: Endpoint) -> None:
    broken = ISA.replace("IEA*1*", "IEA*7*")  # a wrong group count: TA1 021, from the worker
    answer = endpoint.post("acme", broken.encode(), bearer())
    assert answer.status_code == 202 and answer.json()["status"] == "accepted"


def test_basic_authentication(endpoint: Endpoint) -> None:
    assert endpoint.post("globex", ISA.encode(), auth=("globex", PASSWORD)).status_code == 202
    for user, password in (("globex", "wrong"), ("someone", PASSWORD), ("", "")):
        refused = endpoint.post("globex", ISA.encode(), auth=(user, password))
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == 'Basic realm="orderhub-edi"'
    assert endpoint.post("globex", ISA.encode(), bearer(PASSWORD)).status_code == 401  # the other scheme
    assert [m.account for m in inbox(endpoint.database)] == ["globex"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},
        {"Authorization": f"bearer {TOKEN.upper()}"},
        {"Authorization": "Basic " + base64.b64encode(f"acme:{TOKEN}".encode()).decode()},
        {"Authorization": TOKEN},
    ],
    ids=["missing", "empty", "longer", "shorter", "other-case", "basic-scheme", "no-scheme"],
)
def test_a_wrong_or_missing_token_is_401_and_stores_nothing(endpoint: Endpoint, headers: dict[str, str]) -> None:
    answer = endpoint.post("acme", ISA.encode(), headers)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="orderhub-edi"'
    assert inbox(endpoint.database) == []


def test_who_cannot_post_at_all(endpoint: Endpoint) -> None:
    unknown = endpoint.post("nobody", ISA.encode(), bearer())
    assert unknown.status_code == 404 and "no active EDI partner 'nobody'" in unknown.json()["error"]["message"]
    assert endpoint.post("dormant", ISA.encode(), bearer()).status_code == 404  # inactive
    closed = endpoint.post("initech", ISA.encode(), bearer())
    assert closed.status_code == 403
    assert "has no inbound_http credential" in closed.json()["error"]["message"]
    unavailable = endpoint.post("broken", ISA.encode(), bearer())
    assert unavailable.status_code == 503 and "ORDERHUB_TEST_UNSET_TOKEN" not in unavailable.text
    assert inbox(endpoint.database) == []


def test_bodies_over_the_limit_and_empty_bodies_are_refused(endpoint: Endpoint) -> None:
    assert endpoint.post("acme", b"ISA" + b"*" * 5000, bearer()).status_code == 413
    empty = endpoint.post("acme", b"", bearer())
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "empty_body"
    assert inbox(endpoint.database) == []
    at_limit = ISA.encode().ljust(4096, b"\n")  # an interchange and blank lines, exactly at the limit
    assert endpoint.post("acme", at_limit, bearer()).status_code == 202


def test_an_idempotency_key_makes_a_resend_a_duplicate(endpoint: Endpoint) -> None:
    headers = {**bearer(), "Idempotency-Key": "acme-905"}
    first = endpoint.post("acme", ISA.encode(), headers)
    again = endpoint.post("acme", ISA.encode(), headers)
    assert first.status_code == 202 and again.status_code == 200
    assert again.json() == {"status": "duplicate", "inbox_id": first.json()["inbox_id"]}
    without_key = endpoint.post("acme", ISA.encode(), bearer())  # stored; the ISA key finds the repeat later
    assert without_key.status_code == 202
    assert len(inbox(endpoint.database)) == 2


def test_the_file_name_may_come_from_content_disposition(endpoint: Endpoint) -> None:
    headers = {**bearer(), "Content-Disposition": 'attachment; filename="856_0042.edi"'}
    assert endpoint.post("acme", ISA.encode(), headers).status_code == 202
    assert [m.topic for m in inbox(endpoint.database)] == ["856_0042.edi"]
