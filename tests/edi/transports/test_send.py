"""Sending outbound interchanges over HTTP, a mailbox and SFTP: the row records what happened, every partner
answer is classified, and running a send twice never delivers twice."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.edi.transports.send import MAX_ATTEMPTS, default_filename, due_for_sending, resend_due, send_interchange
from hub.sdk.errors import TransientError
from tests.edi.transports.conftest import ISA, add_partner, interchange, outbound, set_statuses
from tests.edi.transports.fake_partner import FakePartner
from tests.edi.transports.sshd import Sshd


@pytest.fixture
def partner_server() -> Iterator[FakePartner]:
    with FakePartner() as server:
        yield server


@pytest.fixture
def over_http(database: Database, partner_server: FakePartner, secret_file: Any) -> Database:
    transport = {"type": "http", "url": partner_server.url, "token": secret_file(partner_server.token)}
    add_partner(database, "acme", transports=[transport])
    return database


def test_http_posts_the_interchange_and_marks_it_sent(over_http: Database, partner_server: FakePartner) -> None:
    interchange_id = outbound(over_http, "acme")

    outcome = send_interchange(over_http, interchange_id)

    assert outcome.status == "sent"
    [received] = partner_server.requests
    assert received.body == ISA.encode()
    assert received.headers["content-type"] == "application/edi-x12"
    assert received.headers["idempotency-key"] == "orderhub:acme:000000905"
    row = interchange(over_http, interchange_id)
    assert (row.status, row.transport, row.attempts, row.error) == ("sent", "http", 1, None)
    assert row.filename == received.headers["x-filename"] == default_filename("acme", "000000905", row.created_at)
    assert row.sent_at is not None and row.sent_at >= row.created_at
    assert set_statuses(over_http, interchange_id) == ["sent"]

    # Safe to run twice: a sent interchange is left alone.
    assert send_interchange(over_http, interchange_id).status == "sent"
    assert len(partner_server.requests) == 1 and interchange(over_http, interchange_id).attempts == 1


@pytest.mark.parametrize(("status", "retry_after"), [(500, None), (503, "120"), (429, "7"), (408, None)])
def test_transient_answers_are_retried_and_the_last_retry_gives_up(
    over_http: Database, partner_server: FakePartner, status: int, retry_after: str | None
) -> None:
    interchange_id = outbound(over_http, "acme")
    partner_server.fail_next(status, retry_after=retry_after, times=2)

    with pytest.raises(TransientError) as raised:
        send_interchange(over_http, interchange_id)
    assert raised.value.status_code == status
    assert raised.value.retry_after == (float(retry_after) if retry_after else None)
    row = interchange(over_http, interchange_id)
    assert (row.status, row.attempts, row.sent_at) == ("pending", 1, None)
    assert f"attempt 1 (http): transient: HTTP {status}: partner says no ({status}) details here" == row.error

    final = send_interchange(over_http, interchange_id, final=True)
    assert final.status == "failed"
    row = interchange(over_http, interchange_id)
    assert (row.status, row.attempts) == ("failed", 2)
    assert row.error.startswith(f"gave up after retries: attempt 2 (http): transient: HTTP {status}")
    assert set_statuses(over_http, interchange_id) == ["pending"]  # never sent


def test_a_transient_failure_then_success(over_http: Database, partner_server: FakePartner) -> None:
    interchange_id = outbound(over_http, "acme")
    partner_server.fail_next(502)
    with pytest.raises(TransientError):
        send_interchange(over_http, interchange_id)
    assert send_interchange(over_http, interchange_id).status == "sent"
    row = interchange(over_http, interchange_id)
    assert (row.status, row.attempts, row.error) == ("sent", 2, None)
    assert partner_server.bodies() == [ISA.encode(), ISA.encode()]


def test_a_refused_document_fails_at_once(over_http: Database, partner_server: FakePartner) -> None:
    interchange_id = outbound(over_http, "acme")
    partner_server.fail_next(400)
    outcome = send_interchange(over_http, interchange_id)
    assert outcome.status == "failed"
    row = interchange(over_http, interchange_id)
    assert row.status == "failed" and row.error.startswith("attempt 1 (http): permanent: HTTP 400")
    assert send_interchange(over_http, interchange_id).status == "failed"  # left alone
    assert len(partner_server.requests) == 1


def test_refused_credentials_and_redirects_hold_the_interchange_for_an_operator(
    database: Database, partner_server: FakePartner, secret_file: Any
) -> None:
    wrong = {"type": "http", "url": partner_server.url, "token": secret_file("not-the-token")}
    add_partner(database, "acme", transports=[wrong])
    interchange_id = outbound(database, "acme")
    assert send_interchange(database, interchange_id).status == "pending"
    row = interchange(database, interchange_id)
    assert row.status == "pending" and row.error.startswith("attempt 1 (http): configuration: HTTP 401: bad token")

    moved = {"type": "http", "url": f"{partner_server.origin}/moved", "token": secret_file(partner_server.token)}
    add_partner(database, "globex", transports=[moved])
    moved_id = outbound(database, "globex")
    assert send_interchange(database, moved_id).status == "pending"
    assert "was redirected (HTTP 302 to http://127.0.0.1" in interchange(database, moved_id).error
    assert [r.body for r in partner_server.requests] == [ISA.encode(), ISA.encode()]  # the redirect not followed


def test_a_partner_the_hub_cannot_send_to(database: Database, tmp_path: Path) -> None:
    add_partner(database, "silent")  # no transports
    held = outbound(database, "silent")
    assert send_interchange(database, held).status == "pending"
    assert "has no transport to send with; add one with `orderhub partner add silent --transport" in (
        interchange(database, held).error or ""
    )

    add_partner(database, "dormant", active=False, transports=[{"type": "mailbox", "inbound": "/x", "outbound": "/y"}])
    inactive = outbound(database, "dormant")
    assert send_interchange(database, inactive).status == "pending"
    assert "partner 'dormant' is inactive" in (interchange(database, inactive).error or "")

    orphan = outbound(database, None)
    assert send_interchange(database, orphan).status == "failed"
    assert send_interchange(database, 987654).status == "missing"


def test_mailbox_sending_writes_the_file_under_its_name(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    add_partner(database, "acme", transports=[{"type": "mailbox", "inbound": str(tmp_path), "outbound": str(out)}])
    named = outbound(database, "acme", filename="PO_905.edi")
    unnamed = outbound(database, "acme", control_number="000000906", created_at=utcnow() - timedelta(hours=1))

    assert send_interchange(database, named).status == "sent"
    assert send_interchange(database, unnamed).status == "sent"

    generated = interchange(database, unnamed).filename
    assert generated is not None and generated.startswith("acme_000000906_") and generated.endswith(".x12")
    assert sorted(p.name for p in out.iterdir()) == sorted(["PO_905.edi", generated])
    assert (out / "PO_905.edi").read_text() == ISA
    assert (interchange(database, named).transport, interchange(database, named).filename) == ("mailbox", "PO_905.edi")


def test_the_row_may_ask_for_a_transport_type(database: Database, tmp_path: Path, partner_server: FakePartner) -> None:
    transports = [
        {"type": "http", "url": partner_server.url},
        {"type": "mailbox", "inbound": "/x", "outbound": str(tmp_path)},
    ]
    add_partner(database, "acme", transports=transports)
    interchange_id = outbound(database, "acme", transport="mailbox", filename="via-mailbox.x12")
    assert send_interchange(database, interchange_id).status == "sent"
    assert (tmp_path / "via-mailbox.x12").read_text() == ISA and partner_server.requests == []


def test_sftp_sending_uploads_the_file(database: Database, sshd: Sshd) -> None:
    remote = sshd.directory("partner-inbound")
    add_partner(database, "acme", transports=[sshd.transport(outbound=str(remote))])
    interchange_id = outbound(database, "acme", filename="acme_905.x12")
    assert send_interchange(database, interchange_id).status == "sent"
    assert [p.name for p in remote.iterdir()] == ["acme_905.x12"]
    assert (remote / "acme_905.x12").read_text() == ISA
    assert interchange(database, interchange_id).transport == "sftp"


def test_while_another_process_sends_an_interchange_a_second_run_stays_away(
    over_http: Database, partner_server: FakePartner
) -> None:
    interchange_id = outbound(over_http, "acme")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from hub.db.session import Database\n"
            "from hub.edi.transports.send_lock import send_lock\n"
            f"with send_lock(Database({over_http.url!r}), {interchange_id}) as held:\n"
            "    print('held' if held else 'refused', flush=True)\n"
            "    sys.stdin.readline()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    try:
        assert holder.stdout.readline().strip() == "held"
        assert send_interchange(over_http, interchange_id).status == "busy"
        assert partner_server.requests == [] and interchange(over_http, interchange_id).attempts == 0
    finally:
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)
    assert send_interchange(over_http, interchange_id).status == "sent"  # the lock went with its holder


def test_the_sweep_publishes_rows_that_wait_too_long_and_gives_up_on_hopeless_ones(database: Database) -> None:
    add_partner(database, "acme")
    now = utcnow()
    fresh = outbound(database, "acme", created_at=now - timedelta(seconds=10))
    forgotten = outbound(database, "acme", created_at=now - timedelta(minutes=5))
    retrying = outbound(database, "acme", created_at=now - timedelta(minutes=3), attempts=2)  # in its retries
    lost = outbound(database, "acme", created_at=now - timedelta(hours=3), attempts=9)  # retries lost
    hopeless = outbound(database, "acme", created_at=now - timedelta(days=2), attempts=MAX_ATTEMPTS, error="HTTP 401")
    outbound(database, "acme", created_at=now - timedelta(days=2), status="sent")

    assert due_for_sending(database, now=now) == [forgotten, lost]
    assert interchange(database, hopeless).status == "failed"
    assert interchange(database, hopeless).error == f"gave up after {MAX_ATTEMPTS} attempts: HTTP 401"
    assert interchange(database, fresh).status == interchange(database, retrying).status == "pending"
    # With a backlog in the queue, a row only just due may be in it: only long-overdue rows are taken.
    assert due_for_sending(database, now=now, backlog=True) == [lost]


def test_the_sweep_stays_behind_the_tasks_own_retries() -> None:
    created = utcnow()
    waited = timedelta(0)
    for attempt in range(1, 10):
        # The longest the task waits before its next retry after `attempt` attempts (before jitter).
        waited += timedelta(seconds=min(30 * 2 ** (attempt - 1), 600))
        assert resend_due(created, attempt) > created + waited
