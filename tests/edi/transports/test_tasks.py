"""The hub.edi.* tasks on a real worker process, through RabbitMQ and through the embedded broker: sending
(with a retry the partner asked for), polling every partner's mailbox and SFTP server, and the sweep."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hub.db.models import InboxMessage
from hub.db.models.base import utcnow
from hub.runtime import Runtime
from hub.settings import load_settings
from hub.worker.app import create_celery
from tests.edi.transports.conftest import ISA, add_partner, drop_file, interchange, outbound
from tests.edi.transports.fake_partner import FakePartner
from tests.edi.transports.sshd import Sshd
from tests.processes import hub_env, hub_process, wait_for
from tests.stacks import hub_on


def test_a_worker_sends_interchanges_and_polls_partners(
    migrated_stack: dict[str, str], tmp_path: Path, sshd: Sshd, secret_file: Any
) -> None:
    runtime, celery = hub_on(migrated_stack)
    database = runtime.database
    mailbox = {"inbound": tmp_path / "van-in", "outbound": tmp_path / "van-out", "archive": tmp_path / "van-done"}
    for directory in mailbox.values():
        directory.mkdir()
    remote_in = sshd.directory("acme-out")
    sftp = sshd.transport(inbound=str(remote_in))
    add_partner(
        database,
        "acme",
        transports=[{"type": "mailbox", **{k: str(v) for k, v in mailbox.items()}}, sftp],
    )
    drop_file(mailbox["inbound"], "850_van.x12", b"ISA from the VAN")
    drop_file(remote_in, "850_sftp.x12", b"ISA over SFTP")
    to_mailbox = outbound(database, "acme", filename="acme_905.x12")

    with FakePartner() as partner:
        add_partner(
            database, "globex", transports=[{"type": "http", "url": partner.url, "token": secret_file(partner.token)}]
        )
        partner.fail_next(503, retry_after="1")  # the first try is refused: come back in a second
        to_http = outbound(database, "globex", control_number="000000906")

        celery.send_task("hub.edi.send", args=[to_mailbox])
        celery.send_task("hub.edi.send", args=[to_http])
        celery.send_task("hub.edi.poll_all")
        log = tmp_path / "worker.log"
        with hub_process(["worker", "--queues", "edi", "-c", "1"], hub_env(**migrated_stack), log) as worker:
            wait_for(lambda: interchange(database, to_mailbox).status == "sent", "the mailbox send")
            wait_for(lambda: interchange(database, to_http).status == "sent", "the HTTP send after its retry")
            stored = wait_for(lambda: _handed_over(runtime), "both polled files stored and handed to the ingest queue")
            assert worker.poll() is None, log.read_text()

    assert (mailbox["outbound"] / "acme_905.x12").read_text() == ISA
    assert interchange(database, to_http).attempts == 2 and partner.bodies() == [ISA.encode(), ISA.encode()]
    assert sorted((m.source, m.topic, m.body) for m in stored) == [
        ("mailbox", "850_van.x12", b"ISA from the VAN"),
        ("sftp", "850_sftp.x12", b"ISA over SFTP"),
    ]
    assert all(m.account == "acme" for m in stored)
    assert [p.name for p in mailbox["archive"].iterdir()] == ["850_van.x12"]
    assert list(remote_in.iterdir()) == []
    runtime.close()


def _stored(runtime: Runtime) -> list[InboxMessage]:
    with runtime.database.session() as session:
        return list(session.scalars(select(InboxMessage).order_by(InboxMessage.id)))


def _handed_over(runtime: Runtime) -> list[InboxMessage] | None:
    """Both files, once stored and marked published: the poll task marks them after it stored them."""
    stored = _stored(runtime)
    return stored if len(stored) == 2 and all(m.enqueued_at is not None for m in stored) else None


def test_the_sweep_publishes_forgotten_interchanges_to_the_edi_queue(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path, database_url=database_url, broker_url=f"sqla+sqlite:///{tmp_path / 'b.sqlite3'}"
    )
    runtime = Runtime(settings)
    celery = create_celery(settings, runtime)
    add_partner(runtime.database, "acme")
    forgotten = outbound(runtime.database, "acme", created_at=utcnow() - timedelta(minutes=5))
    outbound(runtime.database, "acme")  # just queued: its own publish is on the way

    assert celery.tasks["hub.edi.send_pending"]() == 1  # runs here, publishes to the real embedded broker

    with celery.connection_for_write() as connection:
        queue = connection.SimpleQueue("edi")
        message = queue.get(timeout=5)
        assert message.headers["task"] == "hub.edi.send"
        assert message.payload[0] == [forgotten]
        message.ack()
        queue.close()
    runtime.close()


def test_poll_all_publishes_one_poll_per_active_partner_with_a_folder(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path, database_url=database_url, broker_url=f"sqla+sqlite:///{tmp_path / 'b.sqlite3'}"
    )
    runtime = Runtime(settings)
    celery = create_celery(settings, runtime)
    folder = {"type": "mailbox", "inbound": str(tmp_path), "outbound": str(tmp_path)}
    add_partner(runtime.database, "with-mailbox", transports=[folder])
    add_partner(runtime.database, "http-only", transports=[{"type": "http", "url": "https://partner.example/in"}])
    add_partner(runtime.database, "dormant", active=False, transports=[folder])

    assert celery.tasks["hub.edi.poll_all"]() == 1

    with celery.connection_for_write() as connection:
        queue = connection.SimpleQueue("edi")
        message = queue.get(timeout=5)
        assert (message.headers["task"], message.payload[0]) == ("hub.edi.poll", ["with-mailbox"])
        assert message.headers["expires"] is not None  # a poll nobody ran in time is dropped, not piled up
        message.ack()
        queue.close()
    runtime.close()
