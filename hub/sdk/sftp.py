"""Folders on a partner's SFTP server (a warehouse's drop folders, a ledger's import directory), reached with
paramiko, its host key pinned.

The server must present the pinned key. A server holds one key per algorithm and the client is shown only
the one it negotiates, so with a pinned key line only that key type is offered; with a fingerprint the
connection is tried again with the server's other key types until one matches or none is left.

Files are uploaded under a temporary dot-name ending ``.tmp`` and renamed over the final name with the
``posix-rename@openssh.com`` extension, which replaces an existing file in one step (the plain SFTP rename
refuses to). On a server without it the old file is removed first, a moment in which no file is visible
rather than a partial one.

Failures are classified: an unreachable server, a broken handshake or a time-out is transient; a host key
that does not match, refused credentials, an unreadable key and a missing or forbidden path are
configuration problems that pause the destination until an operator acts.
"""

from __future__ import annotations

import io
import posixpath
import socket
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Protocol

import paramiko
from paramiko.ssh_exception import IncompatiblePeer
from pydantic import SecretStr

from hub.sdk.errors import ConfigurationError, TransientError
from hub.sdk.files import FileEntry, classify, temporary_name
from hub.sdk.hostkey import ALL_ALGORITHMS, KEY_TYPES, HostKeyPin, fingerprint_of

FAILURES = (OSError, EOFError, paramiko.SSHException)
PRIVATE_KEY_TYPES: tuple[type[paramiko.PKey], ...] = (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey)


class SftpSettings(Protocol):
    """The settings an SFTP connection is made from, by the names connector configs give them: a config
    with these fields (``sftp_host`` set) can be handed to ``sftp_folders`` as it is."""

    @property
    def sftp_host(self) -> str | None: ...
    @property
    def sftp_port(self) -> int: ...
    @property
    def sftp_username(self) -> str | None: ...
    @property
    def sftp_password(self) -> SecretStr | None: ...
    @property
    def sftp_private_key(self) -> SecretStr | None: ...
    @property
    def sftp_host_key(self) -> str | None: ...
    @property
    def timeout_seconds(self) -> float: ...


def _where(config: SftpSettings) -> str:
    return f"SFTP server {config.sftp_host}:{config.sftp_port}"


def _handshake(config: SftpSettings, algorithms: tuple[str, ...]) -> paramiko.Transport:
    """A connection whose handshake offers only ``algorithms`` as host key types."""
    assert config.sftp_host is not None  # the config guarantees it with SFTP
    try:
        sock = socket.create_connection((config.sftp_host, config.sftp_port), timeout=config.timeout_seconds)
    except OSError as exc:
        raise TransientError(f"cannot reach {_where(config)}: {exc.strerror or exc}") from exc
    ssh = paramiko.Transport(sock, disabled_algorithms={"keys": [a for a in ALL_ALGORITHMS if a not in algorithms]})
    ssh.banner_timeout = ssh.handshake_timeout = ssh.auth_timeout = config.timeout_seconds
    try:
        ssh.start_client(timeout=config.timeout_seconds)
    except IncompatiblePeer:
        ssh.close()
        raise
    except FAILURES as exc:
        ssh.close()
        raise TransientError(f"SSH handshake with {_where(config)} failed: {exc or type(exc).__name__}") from exc
    return ssh


def _pinned(config: SftpSettings) -> paramiko.Transport:
    """A handshake with the server whose key is the pinned one; ``ConfigurationError`` for any other."""
    assert config.sftp_host_key is not None  # the config guarantees it with SFTP
    pin = HostKeyPin.parse(config.sftp_host_key)
    remaining = [pin.key_type] if pin.key_type else list(KEY_TYPES)
    offered: list[str] = []
    while remaining:
        try:
            ssh = _handshake(config, tuple(a for kind in remaining for a in KEY_TYPES[kind]))
        except IncompatiblePeer:
            break  # the server has no key of the types left
        key = ssh.get_remote_server_key()
        if pin.matches(key.asbytes()):
            return ssh
        ssh.close()
        offered.append(f"{key.get_name()} {fingerprint_of(key.asbytes())}")
        if key.get_name() not in remaining:
            break
        remaining.remove(key.get_name())
    shown = ", ".join(offered) or f"no key of type {pin.key_type or 'any'}"
    raise ConfigurationError(
        f"{_where(config)} presented {shown}, not the pinned host key {pin.fingerprint}: refusing to connect."
        " If the partner changed its server key, confirm the new one with them and update sftp_host_key"
    )


def _private_key(config: SftpSettings) -> paramiko.PKey:
    assert config.sftp_private_key is not None  # checked by the caller
    text = config.sftp_private_key.get_secret_value()
    for key_type in PRIVATE_KEY_TYPES:
        try:
            return key_type.from_private_key(io.StringIO(text))
        except paramiko.PasswordRequiredException:
            raise ConfigurationError("sftp_private_key is protected by a passphrase; give an unencrypted key") from None
        except (paramiko.SSHException, ValueError):
            continue
    raise ConfigurationError("sftp_private_key is not an ed25519, ECDSA or RSA private key in OpenSSH or PEM form")


def _log_in(ssh: paramiko.Transport, config: SftpSettings) -> None:
    user = config.sftp_username or ""
    credential = "private key" if config.sftp_private_key is not None else "password"
    try:
        if config.sftp_private_key is not None:
            ssh.auth_publickey(user, _private_key(config))
        else:
            assert config.sftp_password is not None  # the config guarantees one of the two
            ssh.auth_password(user, config.sftp_password.get_secret_value())
    except paramiko.AuthenticationException:
        raise ConfigurationError(f"{_where(config)} refused user {user!r} with the configured {credential}") from None
    except FAILURES as exc:
        raise TransientError(f"logging in to {_where(config)} broke off: {exc or type(exc).__name__}") from exc


@contextmanager
def sftp_folders(config: SftpSettings) -> Iterator[SftpFolders]:
    """An authenticated SFTP session with the pinned server, closed when the block ends."""
    ssh = _pinned(config)
    try:
        _log_in(ssh, config)
        try:
            client = paramiko.SFTPClient.from_transport(ssh)
        except FAILURES as exc:
            raise TransientError(f"{_where(config)} did not open an SFTP session: {exc}") from exc
        if client is None:
            raise TransientError(f"{_where(config)} did not open an SFTP session")
        client.get_channel().settimeout(config.timeout_seconds)  # type: ignore[union-attr]
        with client:
            yield SftpFolders(client, _where(config))
    finally:
        ssh.close()


class SftpFolders:
    """The folder operations over one SFTP session (see ``hub.sdk.files.Folders``)."""

    def __init__(self, client: paramiko.SFTPClient, where: str) -> None:
        self.client, self.where = client, where

    @contextmanager
    def _doing(self, doing: str) -> Iterator[None]:
        try:
            yield
        except FAILURES as exc:
            raise classify(exc, self.where, doing) from exc

    def join(self, directory: str, name: str) -> str:
        return posixpath.join(directory, name)

    def write(self, directory: str, name: str, data: bytes) -> str:
        final, temporary = self.join(directory, name), self.join(directory, temporary_name(name))
        with self._doing(f"uploading {final}"):
            try:
                self.client.putfo(io.BytesIO(data), temporary, file_size=len(data), confirm=True)
                self._replace(temporary, final)
            except BaseException:
                with suppress(*FAILURES):
                    self.client.remove(temporary)
                raise
        return final

    def _replace(self, temporary: str, final: str) -> None:
        try:
            self.client.posix_rename(temporary, final)
        except (PermissionError, FileNotFoundError):
            raise
        except FAILURES:  # the server lacks the extension: free the name, then rename
            with suppress(FileNotFoundError):
                self.client.remove(final)
            self.client.rename(temporary, final)

    def remove(self, path: str) -> bool:
        with self._doing(f"removing {path}"):
            try:
                self.client.remove(path)
            except FileNotFoundError:
                return False
        return True

    def entries(self, directory: str) -> list[FileEntry]:
        with self._doing(f"listing {directory}"):
            return [_entry(item.filename, item) for item in self.client.listdir_attr(directory)]

    def read(self, path: str) -> bytes | None:
        with self._doing(f"reading {path}"):
            try:
                with self.client.open(path, "rb") as handle:
                    handle.prefetch()
                    return bytes(handle.read())
            except FileNotFoundError:
                return None

    def stat(self, path: str) -> FileEntry | None:
        with self._doing(f"reading {path}"):
            try:
                return _entry(posixpath.basename(path), self.client.lstat(path))
            except FileNotFoundError:
                return None

    def move_no_clobber(self, source: str, target: str) -> bool:
        with self._doing(f"moving {source} to {target}"):
            if self.stat(target) is not None:
                return False
            try:
                self.client.rename(source, target)  # the plain SFTP rename never replaces a file
            except FAILURES:
                if self.stat(target) is not None:
                    return False
                raise
        return True

    def make_directory(self, path: str) -> None:
        with self._doing(f"creating {path}"):
            if self.stat(path) is None:
                self.client.mkdir(path)

    def probe(self, directory: str, setting: str) -> None:
        found = self.stat(directory)
        if found is None or found.regular or not _is_directory(self.client, directory):
            raise ConfigurationError(f"{self.where}: {setting} {directory} is not an existing directory")
        name = self.join(directory, temporary_name("orderhub-check"))
        try:
            self.client.putfo(io.BytesIO(b""), name, file_size=0, confirm=True)
            self.client.remove(name)
        except FAILURES as exc:
            raise ConfigurationError(f"{self.where}: {setting} {directory} is not writable: {exc}") from None


def _entry(name: str, attributes: paramiko.SFTPAttributes) -> FileEntry:
    return FileEntry(
        name, float(attributes.st_mtime or 0), int(attributes.st_size or 0), stat.S_ISREG(attributes.st_mode or 0)
    )


def _is_directory(client: paramiko.SFTPClient, path: str) -> bool:
    try:
        return stat.S_ISDIR(client.stat(path).st_mode or 0)
    except FAILURES:
        return False
