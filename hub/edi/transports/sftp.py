"""SFTP: the partner's server, reached with paramiko, its host key pinned in the partner profile.

The server must present the key the profile names (``host_key``); there is no trust on first use and no
known_hosts file. ``host_key`` is either a fingerprint as ``ssh-keygen -lf`` and OpenSSH print it
(``SHA256:...``), or a public key line (``ssh-ed25519 AAAA...``, as in ``known_hosts`` without the host). A
server has one key per algorithm and the client picks which one it is shown, so with a fingerprint the hub
asks again for the server's other key types until one matches; with a key line it asks only for that type.

Failures are classified for the tasks: a server that cannot be reached, a handshake or connection that breaks
or a time-out is a ``TransientError`` (retried); refused credentials, a host key that does not match, an
unreadable private key and a missing or forbidden remote directory are ``ConfigurationError`` (an operator
must act). ``poll_sftp`` takes files by the rule in ``hub.edi.transports.folders``; ``put_sftp`` uploads
under a temporary dot-name and renames, which on OpenSSH never replaces an existing file.
"""

from __future__ import annotations

import base64
import binascii
import errno
import hashlib
import hmac
import io
import posixpath
import secrets
import socket
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

import paramiko
from paramiko.ssh_exception import IncompatiblePeer

from hub.db.session import Database
from hub.edi.partners import SftpTransport
from hub.edi.transports.folders import (
    PollResult,
    archive_name,
    check_outbound_name,
    settled,
    store_and_put_away,
    taken,
)
from hub.errors import ConfigurationError as HubConfigurationError
from hub.sdk.errors import ConfigurationError, ConnectorError, PermanentError, TransientError
from hub.secrets import resolve_secret

SOURCE = "sftp"
# Algorithms paramiko may negotiate for each kind of server key (its get_name()).
KEY_ALGORITHMS = {
    "ssh-ed25519": ("ssh-ed25519",),
    "ecdsa-sha2-nistp256": ("ecdsa-sha2-nistp256",),
    "ecdsa-sha2-nistp384": ("ecdsa-sha2-nistp384",),
    "ecdsa-sha2-nistp521": ("ecdsa-sha2-nistp521",),
    "ssh-rsa": ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"),
}
ALL_KEY_ALGORITHMS = tuple(algorithm for group in KEY_ALGORITHMS.values() for algorithm in group)
PRIVATE_KEY_TYPES: tuple[type[paramiko.PKey], ...] = (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey)


def fingerprint(key: paramiko.PKey) -> str:
    """The key's SHA-256 fingerprint exactly as OpenSSH prints it: ``SHA256:`` and unpadded base64."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class HostKeyPin:
    """The server key a profile trusts: a fingerprint, or a whole public key of a known type."""

    fingerprint: str
    key_type: str | None = None

    @classmethod
    def parse(cls, text: str) -> HostKeyPin:
        text = text.strip()
        if text.startswith("SHA256:") and len(text) > len("SHA256:"):
            return cls(text)
        parts = text.split()
        if len(parts) >= 2 and parts[0] in ALL_KEY_ALGORITHMS:
            try:
                blob = base64.b64decode(parts[1], validate=True)
            except (binascii.Error, ValueError):
                blob = b""
            if blob:
                digest = base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")
                key_type = "ssh-rsa" if parts[0].startswith("rsa-") else parts[0]
                return cls(f"SHA256:{digest}", key_type)
        raise ConfigurationError(
            "the SFTP transport's host_key must be the server key's fingerprint as `ssh-keygen -lf` prints it"
            " (SHA256:...) or its public key line (ssh-ed25519 AAAA...); MD5 fingerprints are not accepted"
        )

    def matches(self, key: paramiko.PKey) -> bool:
        return hmac.compare_digest(fingerprint(key), self.fingerprint)


def _where(transport: SftpTransport) -> str:
    return f"SFTP server {transport.host}:{transport.port}"


def _private_key(reference: str, environ: dict[str, str] | None) -> paramiko.PKey:
    text = resolve_secret(reference, environ).get_secret_value()
    for key_type in PRIVATE_KEY_TYPES:
        try:
            return key_type.from_private_key(io.StringIO(text))
        except paramiko.PasswordRequiredException:
            raise ConfigurationError(
                f"the private key {reference} is protected by a passphrase; give an unencrypted key (it is kept"
                " as a secret reference)"
            ) from None
        except (paramiko.SSHException, ValueError):
            continue
    raise ConfigurationError(
        f"the private key {reference} is not an ed25519, ECDSA or RSA private key in OpenSSH or PEM form"
    )


class _NoAcceptableKey(Exception):
    """The server has no host key of the types offered."""


def _connect(transport: SftpTransport, key_types: tuple[str, ...]) -> paramiko.Transport:
    """A TCP connection and an SSH handshake offering only ``key_types`` as host key algorithms."""
    timeout = transport.timeout_seconds
    try:
        sock = socket.create_connection((transport.host, transport.port), timeout=timeout)
    except OSError as exc:
        raise TransientError(f"cannot reach {_where(transport)}: {exc.strerror or exc}") from exc
    disabled = [name for name in ALL_KEY_ALGORITHMS if name not in key_types]
    ssh = paramiko.Transport(sock, disabled_algorithms={"keys": disabled})
    ssh.banner_timeout = ssh.handshake_timeout = ssh.auth_timeout = timeout
    try:
        ssh.start_client(timeout=timeout)
    except IncompatiblePeer as exc:
        ssh.close()
        raise _NoAcceptableKey(str(exc)) from exc
    except (paramiko.SSHException, EOFError, OSError) as exc:
        ssh.close()
        raise TransientError(f"SSH handshake with {_where(transport)} failed: {exc or type(exc).__name__}") from exc
    return ssh


def _pinned_connection(transport: SftpTransport) -> paramiko.Transport:
    """A handshake whose server key matches the pin, trying the server's other key types when needed."""
    pin = HostKeyPin.parse(transport.host_key)
    remaining = list(KEY_ALGORITHMS) if pin.key_type is None else [pin.key_type]
    seen: list[str] = []
    while remaining:
        allowed = tuple(a for kind in remaining for a in KEY_ALGORITHMS[kind])
        try:
            ssh = _connect(transport, allowed)
        except _NoAcceptableKey as exc:
            if seen:  # no key of the types left: none of the server's keys is the pinned one
                break
            raise ConfigurationError(
                f"{_where(transport)} has no host key of type {', '.join(remaining)} to match the pinned"
                f" {pin.fingerprint} ({exc}); check the profile's host_key"
            ) from None
        key = ssh.get_remote_server_key()
        if pin.matches(key):
            return ssh
        ssh.close()
        seen.append(f"{key.get_name()} {fingerprint(key)}")
        remaining = [kind for kind in remaining if kind != key.get_name()]
    raise ConfigurationError(
        f"{_where(transport)} presented host key {', '.join(seen)}, not the pinned {pin.fingerprint}: refusing"
        " to connect. If the partner changed its server key, confirm the new fingerprint with the partner and"
        " update the profile's host_key"
    )


def _authenticate(ssh: paramiko.Transport, transport: SftpTransport, environ: dict[str, str] | None) -> None:
    try:
        if transport.private_key is not None:
            ssh.auth_publickey(transport.username, _private_key(transport.private_key, environ))
        else:
            assert transport.password is not None  # the profile guarantees one of the two
            ssh.auth_password(transport.username, resolve_secret(transport.password, environ).get_secret_value())
    except paramiko.BadAuthenticationType as exc:
        raise ConfigurationError(
            f"{_where(transport)} does not accept {'key' if transport.private_key else 'password'} authentication"
            f" for {transport.username!r} (it allows: {', '.join(exc.allowed_types) or 'nothing'})"
        ) from None
    except paramiko.AuthenticationException:
        raise ConfigurationError(
            f"{_where(transport)} refused user {transport.username!r} with the configured"
            f" {'private key' if transport.private_key else 'password'}; check the credentials in the profile"
        ) from None
    except (paramiko.SSHException, EOFError, OSError) as exc:
        raise TransientError(f"authentication with {_where(transport)} broke off: {exc}") from exc


@contextmanager
def sftp_session(transport: SftpTransport, environ: dict[str, str] | None = None) -> Iterator[paramiko.SFTPClient]:
    """An authenticated SFTP session with the pinned server; closed when the block ends."""
    ssh = _pinned_connection(transport)
    try:
        try:
            _authenticate(ssh, transport, environ)
        except HubConfigurationError as exc:  # a secret reference that cannot be read
            raise ConfigurationError(str(exc)) from None
        try:
            sftp = paramiko.SFTPClient.from_transport(ssh)
        except (paramiko.SSHException, EOFError, OSError) as exc:
            raise TransientError(f"{_where(transport)} did not open an SFTP session: {exc}") from exc
        if sftp is None:
            raise TransientError(f"{_where(transport)} did not open an SFTP session")
        sftp.get_channel().settimeout(transport.timeout_seconds)  # type: ignore[union-attr]
        with sftp:
            yield sftp
    finally:
        ssh.close()


def remote_error(exc: BaseException, transport: SftpTransport, doing: str) -> ConnectorError:
    """The error class of a failed SFTP operation: missing or forbidden paths are configuration problems."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOENT, errno.EACCES, errno.EPERM):
        reason = "does not exist" if exc.errno == errno.ENOENT else "is not allowed"
        return ConfigurationError(f"{_where(transport)}: {doing} {reason} ({exc.strerror or exc})")
    return TransientError(f"{_where(transport)}: {doing} failed: {exc or type(exc).__name__}")


REMOTE_FAILURES = (OSError, EOFError, paramiko.SSHException)


def poll_sftp(
    database: Database,
    partner_id: str,
    transport: SftpTransport,
    *,
    environ: dict[str, str] | None = None,
    now: float | None = None,
) -> PollResult:
    """Download, store, then remove (or archive) every settled file in the partner's inbound directory."""
    result = PollResult()
    moment = time.time() if now is None else now
    with sftp_session(transport, environ) as sftp:
        try:
            entries = sftp.listdir_attr(transport.inbound)
        except REMOTE_FAILURES as exc:
            raise remote_error(exc, transport, f"listing {transport.inbound}") from exc
        for entry in sorted(entries, key=lambda e: e.filename):
            if not stat.S_ISREG(entry.st_mode or 0) or not taken(entry.filename, transport.pattern):
                continue
            path = posixpath.join(transport.inbound, entry.filename)
            store_and_put_away(
                database,
                result,
                source=SOURCE,
                partner_id=partner_id,
                name=entry.filename,
                body=_download_settled(sftp, transport, path, entry, moment),
                put_away=partial(_put_away, sftp, transport, path),
                move_failures=REMOTE_FAILURES,
            )
    return result


def _download_settled(
    sftp: paramiko.SFTPClient, transport: SftpTransport, path: str, entry: paramiko.SFTPAttributes, now: float
) -> bytes | None:
    """The file's bytes, or None while it may still be being written."""
    if not settled(float(entry.st_mtime or 0), now):
        return None
    try:
        with sftp.open(path, "rb") as handle:
            handle.prefetch(entry.st_size)
            body = handle.read()
        after = sftp.stat(path)
    except REMOTE_FAILURES as exc:
        raise remote_error(exc, transport, f"reading {path}") from exc
    if (after.st_size, after.st_mtime) != (entry.st_size, entry.st_mtime) or len(body) != after.st_size:
        return None
    return bytes(body)


def _exists(sftp: paramiko.SFTPClient, path: str) -> bool:
    try:
        sftp.stat(path)
    except FileNotFoundError:
        return False
    return True


def _put_away(sftp: paramiko.SFTPClient, transport: SftpTransport, path: str, inbox_id: int) -> None:
    archive = transport.archive
    name = None
    if archive is not None:
        name = archive_name(
            posixpath.basename(path), inbox_id, lambda other: _exists(sftp, posixpath.join(archive, other))
        )
    if archive is None or name is None:
        sftp.remove(path)
    else:
        sftp.rename(path, posixpath.join(archive, name))


def put_sftp(transport: SftpTransport, filename: str, data: bytes, *, environ: dict[str, str] | None = None) -> str:
    """Upload ``data`` as ``filename`` in the partner's outbound directory; returns the remote path.

    Uploading the same content under the same name again succeeds without a change (a resend after a crash);
    different content under a name already there is a PermanentError, never an overwrite.
    """
    check_outbound_name(filename)
    final = posixpath.join(transport.outbound, filename)
    temporary = posixpath.join(transport.outbound, f".{filename}.{secrets.token_hex(4)}.tmp")
    with sftp_session(transport, environ) as sftp:
        try:
            sftp.putfo(io.BytesIO(data), temporary, file_size=len(data), confirm=True)
        except REMOTE_FAILURES as exc:
            raise remote_error(exc, transport, f"uploading to {temporary}") from exc
        try:
            sftp.rename(temporary, final)
        except REMOTE_FAILURES as exc:
            _settle_existing(sftp, transport, temporary, final, data, exc)
    return final


def _settle_existing(
    sftp: paramiko.SFTPClient, transport: SftpTransport, temporary: str, final: str, data: bytes, exc: BaseException
) -> None:
    """A rename that failed: fine if ``final`` already holds these bytes, otherwise classified and reported."""
    try:
        with sftp.open(final, "rb") as handle:
            existing = handle.read()
    except FileNotFoundError:
        existing = None
    except REMOTE_FAILURES as read_error:
        raise remote_error(read_error, transport, f"reading {final}") from read_error
    try:
        sftp.remove(temporary)
    except REMOTE_FAILURES:
        pass  # a dot-name the partner ignores; a later upload uses another
    if existing is None:
        raise remote_error(exc, transport, f"renaming {temporary} to {final}") from exc
    if bytes(existing) != data:
        raise PermanentError(
            f"{_where(transport)}: {final} already exists with other content; the partner has not picked it up"
            " yet or the name was reused: have it moved away, then send the interchange again"
        )
