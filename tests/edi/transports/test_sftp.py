"""SFTP against a real OpenSSH server: the host key is pinned, both kinds of credentials work, files are taken
and delivered whole, and every failure is classified so the tasks know whether to retry."""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any

import pytest

from hub.db.session import Database
from hub.edi.partners import SftpTransport
from hub.edi.transports.sftp import HostKeyPin, fingerprint, poll_sftp, put_sftp, sftp_session
from hub.sdk.errors import ConfigurationError, PermanentError, TransientError
from tests.edi.transports.conftest import ISA, drop_file, inbox
from tests.edi.transports.sshd import Sshd, keygen
from tests.processes import free_port


def sftp(server: Sshd, **changes: Any) -> SftpTransport:
    return SftpTransport.model_validate(server.transport(**changes))


def test_fingerprints_are_compared_as_openssh_prints_them(sshd: Sshd) -> None:
    transport = sftp(sshd)
    with sftp_session(transport) as client:
        key = client.get_channel().get_transport().get_remote_server_key()  # type: ignore[union-attr]
    assert fingerprint(key) == sshd.fingerprint("ed25519")  # as `ssh-keygen -lf` prints it
    assert HostKeyPin.parse(sshd.public_key_line("ed25519")).fingerprint == sshd.fingerprint("ed25519")
    with pytest.raises(ConfigurationError, match="MD5 fingerprints are not accepted"):
        HostKeyPin.parse("MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48")


def test_poll_downloads_stores_and_removes_settled_files(sshd: Sshd, database: Database) -> None:
    inbound = sshd.directory("in")
    body = ISA.encode() + b"\r\n\x1a"
    drop_file(inbound, "850_1.x12", body)
    drop_file(inbound, "850_2.x12", b"not X12 at all, stored all the same")
    drop_file(inbound, ".850_3.x12", b"hidden")
    drop_file(inbound, "850_4.x12.part", b"uploading")
    drop_file(inbound, "850_5.x12", b"written this instant", age=0)
    transport = sftp(sshd, inbound=str(inbound))

    result = poll_sftp(database, "acme", transport)

    stored = inbox(database)
    assert [m.id for m in stored] == result.stored and len(stored) == 2
    assert [(m.topic, m.body, m.source, m.channel, m.account) for m in stored] == [
        ("850_1.x12", body, "sftp", "x12", "acme"),
        ("850_2.x12", b"not X12 at all, stored all the same", "sftp", "x12", "acme"),
    ]
    assert result.waiting == ["850_5.x12"]
    assert sorted(p.name for p in inbound.iterdir()) == [".850_3.x12", "850_4.x12.part", "850_5.x12"]


def test_poll_archives_on_the_server_and_a_file_seen_again_is_not_stored_twice(sshd: Sshd, database: Database) -> None:
    inbound, archive = sshd.directory("in"), sshd.directory("archive")
    drop_file(archive, "850_1.x12", b"an older file of the same name")
    drop_file(inbound, "850_1.x12", ISA.encode())
    transport = sftp(sshd, inbound=str(inbound), archive=str(archive))

    [first] = poll_sftp(database, "acme", transport).stored
    assert {p.name for p in archive.iterdir()} == {"850_1.x12", f"850_1.{first}.x12"}
    assert (archive / f"850_1.{first}.x12").read_bytes() == ISA.encode()
    assert list(inbound.iterdir()) == []

    # The same file again (a pickup whose move failed): recognised, moved away, stored once.
    drop_file(inbound, "850_1.x12", ISA.encode())
    again = poll_sftp(database, "acme", transport)
    assert again.stored == [] and again.duplicates == [first]
    assert len(inbox(database)) == 1 and list(inbound.iterdir()) == []


def test_put_uploads_under_a_temporary_name_then_renames(sshd: Sshd) -> None:
    outbound = sshd.directory("out-put")
    transport = sftp(sshd, outbound=str(outbound))
    data = ISA.encode()

    assert put_sftp(transport, "acme_000000905.x12", data) == f"{outbound}/acme_000000905.x12"
    assert [p.name for p in outbound.iterdir()] == ["acme_000000905.x12"]  # no temporary file left
    assert (outbound / "acme_000000905.x12").read_bytes() == data
    assert (outbound / "acme_000000905.x12").stat().st_uid != 0  # written by the SFTP user, over SFTP

    put_sftp(transport, "acme_000000905.x12", data)  # a resend of the same file changes nothing
    with pytest.raises(PermanentError, match="already exists with other content"):
        put_sftp(transport, "acme_000000905.x12", b"something else")
    assert (outbound / "acme_000000905.x12").read_bytes() == data
    assert [p.name for p in outbound.iterdir()] == ["acme_000000905.x12"]


def test_password_authentication(sshd: Sshd, secret_file: Any) -> None:
    outbound = sshd.directory("out-password")
    transport = sftp(sshd, private_key=None, password=secret_file(sshd.password), outbound=str(outbound))
    put_sftp(transport, "by-password.x12", b"ISA")
    assert (outbound / "by-password.x12").read_bytes() == b"ISA"

    wrong = sftp(sshd, private_key=None, password=secret_file("not-the-password"))
    with pytest.raises(ConfigurationError, match=f"refused user '{sshd.user}' with the configured password"):
        put_sftp(wrong, "x.x12", b"ISA")


def test_a_server_key_other_than_the_pinned_one_is_refused_before_logging_in(
    sshd: Sshd, tmp_path: Path, database: Database
) -> None:
    other = keygen(tmp_path / "other_host_key")
    stranger_pin = HostKeyPin.parse(" ".join(other.with_suffix(".pub").read_text().split()[:2])).fingerprint
    inbound = sshd.directory("in")
    drop_file(inbound, "850.x12", ISA.encode())
    accepted_before = sshd.log.read_text().count("Accepted ")

    with pytest.raises(ConfigurationError) as refused:
        poll_sftp(database, "acme", sftp(sshd, host_key=stranger_pin, inbound=str(inbound)))

    message = str(refused.value)
    assert f"not the pinned {stranger_pin}: refusing to connect" in message
    assert sshd.fingerprint("ed25519") in message and sshd.fingerprint("rsa") in message  # every key it showed
    assert sshd.log.read_text().count("Accepted ") == accepted_before  # no login was attempted
    assert inbox(database) == [] and [p.name for p in inbound.iterdir()] == ["850.x12"]


def test_the_pinned_key_may_be_any_of_the_servers_keys_or_a_public_key_line(sshd: Sshd) -> None:
    outbound = sshd.directory("out-pins")
    for pin in (sshd.fingerprint("rsa"), sshd.public_key_line("rsa"), sshd.public_key_line("ed25519")):
        put_sftp(sftp(sshd, host_key=pin, outbound=str(outbound)), "pinned.x12", b"ISA")
    assert (outbound / "pinned.x12").read_bytes() == b"ISA"


def test_refused_and_unreadable_keys_are_configuration_errors(sshd: Sshd, tmp_path: Path) -> None:
    stranger = keygen(tmp_path / "stranger")
    with pytest.raises(ConfigurationError, match="with the configured private key; check the credentials"):
        put_sftp(sftp(sshd, private_key=f"file:{stranger}"), "x.x12", b"ISA")

    locked = keygen(tmp_path / "locked", passphrase="a passphrase")
    with pytest.raises(ConfigurationError, match="protected by a passphrase"):
        put_sftp(sftp(sshd, private_key=f"file:{locked}"), "x.x12", b"ISA")

    (tmp_path / "garbage").write_text("this is not a key\n")
    with pytest.raises(ConfigurationError, match="is not an ed25519, ECDSA or RSA private key"):
        put_sftp(sftp(sshd, private_key=f"file:{tmp_path / 'garbage'}"), "x.x12", b"ISA")

    with pytest.raises(ConfigurationError, match="cannot read"):
        put_sftp(sftp(sshd, private_key=f"file:{tmp_path / 'absent'}"), "x.x12", b"ISA")


def test_missing_remote_directories_are_configuration_errors(sshd: Sshd, database: Database) -> None:
    with pytest.raises(ConfigurationError, match=r"listing .*missing-in does not exist"):
        poll_sftp(database, "acme", sftp(sshd))
    with pytest.raises(ConfigurationError, match=r"uploading to .*missing-out/\.x\.x12\..*\.tmp does not exist"):
        put_sftp(sftp(sshd), "x.x12", b"ISA")


def test_a_server_that_cannot_be_reached_is_transient(sshd: Sshd) -> None:
    with pytest.raises(TransientError, match=r"cannot reach SFTP server 127\.0\.0\.1:\d+"):
        put_sftp(sftp(sshd, port=free_port()), "x.x12", b"ISA")


def test_a_server_that_is_not_ssh_is_transient(sshd: Sshd) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def answer_garbage() -> None:
        connection, _ = listener.accept()
        connection.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        connection.close()

    thread = threading.Thread(target=answer_garbage, daemon=True)
    thread.start()
    try:
        with pytest.raises(TransientError, match="SSH handshake with SFTP server"):
            put_sftp(sftp(sshd, port=listener.getsockname()[1]), "x.x12", b"ISA")
    finally:
        listener.close()
        thread.join(timeout=5)
