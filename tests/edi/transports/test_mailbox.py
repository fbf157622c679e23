"""Mailbox directories: what a poll takes and leaves, that nothing is stored twice or lost when a poll is cut
short, and that an outbound file appears whole or not at all."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from hub.db.session import Database
from hub.edi.partners import MailboxTransport
from hub.edi.transports.folders import PollResult, store_and_put_away
from hub.edi.transports.mailbox import poll_mailbox, write_mailbox
from hub.sdk.errors import ConfigurationError, PermanentError
from tests.edi.transports.conftest import ISA, drop_file, inbox


def mailbox(tmp_path: Path, **changes: str | None) -> MailboxTransport:
    settings: dict[str, str | None] = {"inbound": str(tmp_path / "in"), "outbound": str(tmp_path / "out")}
    settings.update(changes)
    for key in ("inbound", "outbound"):
        Path(str(settings[key])).mkdir(parents=True, exist_ok=True)
    return MailboxTransport.model_validate({k: v for k, v in settings.items() if v is not None})


def names(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def test_a_poll_takes_settled_matching_files_and_archives_them(database: Database, tmp_path: Path) -> None:
    transport = mailbox(tmp_path, pattern="*.x12", archive=str(tmp_path / "archive" / "acme"))
    inbound = Path(transport.inbound)
    body = ISA.encode() + b"\r\n"
    drop_file(inbound, "850_0001.x12", body)
    drop_file(inbound, "850_0002.x12", b"garbage that is not X12")
    drop_file(inbound, "notes.txt", b"not matching the pattern")
    drop_file(inbound, ".850_0003.x12", b"hidden: an uploader still writing")
    drop_file(inbound, "850_0004.x12.tmp", b"temporary name")
    drop_file(inbound, "850_0005.x12.filepart", b"WinSCP's temporary name")
    drop_file(inbound, "850_0006.x12", b"modified this instant", age=0)
    (inbound / "sub.x12").mkdir()

    result = poll_mailbox(database, "acme", transport)

    stored = inbox(database)
    assert [m.id for m in stored] == result.stored
    assert [(m.topic, m.body) for m in stored] == [("850_0001.x12", body), ("850_0002.x12", b"garbage that is not X12")]
    assert {(m.source, m.channel, m.account, m.status) for m in stored} == {("mailbox", "x12", "acme", "received")}
    assert result.waiting == ["850_0006.x12"] and result.errors == []
    assert names(tmp_path / "archive" / "acme") == ["850_0001.x12", "850_0002.x12"]  # created when missing
    assert (tmp_path / "archive" / "acme" / "850_0001.x12").read_bytes() == body
    assert names(inbound) == [".850_0003.x12", "850_0004.x12.tmp", "850_0005.x12.filepart", "850_0006.x12",
                              "notes.txt", "sub.x12"]  # fmt: skip


def test_without_an_archive_a_stored_file_is_deleted(database: Database, tmp_path: Path) -> None:
    transport = mailbox(tmp_path)
    drop_file(Path(transport.inbound), "997.edi", b"ISA*997")
    assert len(poll_mailbox(database, "acme", transport).stored) == 1
    assert names(Path(transport.inbound)) == []
    assert [m.body for m in inbox(database)] == [b"ISA*997"]


def test_a_poll_cut_short_between_store_and_move_stores_nothing_twice(database: Database, tmp_path: Path) -> None:
    transport = mailbox(tmp_path, archive=str(tmp_path / "archive"))
    path = drop_file(Path(transport.inbound), "850.x12", ISA.encode())
    # The earlier poll stored the file, then stopped before it could move it away.
    earlier = PollResult()
    store_and_put_away(
        database,
        earlier,
        source="mailbox",
        partner_id="acme",
        name="850.x12",
        body=path.read_bytes(),
        put_away=lambda inbox_id: None,
        move_failures=(OSError,),
    )

    result = poll_mailbox(database, "acme", transport)

    assert result.stored == [] and result.duplicates == earlier.stored
    assert len(inbox(database)) == 1 and names(Path(transport.inbound)) == []
    assert names(tmp_path / "archive") == ["850.x12"]


def test_the_same_name_with_new_content_is_a_new_file_and_both_are_archived(database: Database, tmp_path: Path) -> None:
    transport = mailbox(tmp_path, archive=str(tmp_path / "archive"))
    inbound = Path(transport.inbound)
    drop_file(inbound, "orders.x12", b"ISA first")
    [first] = poll_mailbox(database, "acme", transport).stored
    drop_file(inbound, "orders.x12", b"ISA second")
    [second] = poll_mailbox(database, "acme", transport).stored
    assert first != second
    assert names(tmp_path / "archive") == [f"orders.{second}.x12", "orders.x12"]
    assert (tmp_path / "archive" / f"orders.{second}.x12").read_bytes() == b"ISA second"
    assert (tmp_path / "archive" / "orders.x12").read_bytes() == b"ISA first"


def test_symbolic_links_are_not_followed(database: Database, tmp_path: Path) -> None:
    transport = mailbox(tmp_path)
    inbound = Path(transport.inbound)
    elsewhere = drop_file(tmp_path, "private.key", b"a file outside the mailbox")
    os.symlink(elsewhere, inbound / "innocent.x12")
    drop_file(inbound, "real.x12", b"ISA real")
    assert len(poll_mailbox(database, "acme", transport).stored) == 1
    assert [m.body for m in inbox(database)] == [b"ISA real"]
    assert names(inbound) == ["innocent.x12"] and elsewhere.read_bytes() == b"a file outside the mailbox"


def test_a_missing_inbound_directory_is_a_configuration_error(database: Database, tmp_path: Path) -> None:
    transport = MailboxTransport(inbound=str(tmp_path / "absent"), outbound=str(tmp_path))
    with pytest.raises(ConfigurationError, match=r"mailbox inbound directory .*absent does not exist"):
        poll_mailbox(database, "acme", transport)


def test_write_publishes_the_whole_file_under_its_name(tmp_path: Path) -> None:
    transport = mailbox(tmp_path)
    outbound = Path(transport.outbound)
    path = write_mailbox(transport, "acme_000000905.x12", ISA)
    assert path == outbound / "acme_000000905.x12"
    assert names(outbound) == ["acme_000000905.x12"]  # no temporary file left behind
    assert path.read_bytes() == ISA.encode()
    assert path.stat().st_mode & 0o044 == 0o044  # readable by the partner's pickup, not only by us

    write_mailbox(transport, "acme_000000905.x12", ISA)  # the same file again (a resend) changes nothing
    with pytest.raises(PermanentError, match="already exists with other content"):
        write_mailbox(transport, "acme_000000905.x12", "ISA something else")
    assert path.read_bytes() == ISA.encode()


@pytest.mark.parametrize("name", ["", "../escape.x12", "sub/dir.x12", ".hidden.x12", "half.x12.tmp", "x" * 256])
def test_write_refuses_names_that_cannot_be_published(tmp_path: Path, name: str) -> None:
    with pytest.raises(PermanentError, match="is not usable"):
        write_mailbox(mailbox(tmp_path), name, ISA)
    assert names(tmp_path / "out") == []


def test_write_to_a_missing_directory_is_a_configuration_error(tmp_path: Path) -> None:
    transport = MailboxTransport(inbound=str(tmp_path), outbound=str(tmp_path / "absent"))
    with pytest.raises(ConfigurationError, match=r"mailbox outbound directory .*absent does not exist"):
        write_mailbox(transport, "a.x12", ISA)


def test_a_partner_polling_while_the_hub_writes_never_sees_half_a_file(tmp_path: Path) -> None:
    transport = mailbox(tmp_path)
    outbound = Path(transport.outbound)
    files = {f"big_{n}.x12": (ISA * 2000 + f"#{n}").encode() for n in range(20)}  # about 400 kB each
    seen: dict[str, bytes] = {}
    done = threading.Event()

    def partner_pickup() -> None:
        # What a partner's own poller would do: take any file whose name is not a temporary one.
        while not (done.is_set() and len(seen) == len(files)):
            for entry in os.scandir(outbound):
                if not entry.name.startswith(".") and entry.name not in seen:
                    seen[entry.name] = Path(entry.path).read_bytes()

    reader = threading.Thread(target=partner_pickup, daemon=True)
    reader.start()
    for name, data in files.items():
        write_mailbox(transport, name, data)
    done.set()
    reader.join(timeout=60)
    assert seen == files
