"""Folders a file-based connector writes to and reads from: on the local file system here, over SFTP in
``hub.sdk.sftp``. What both share: the operations (``Folders``), which files a poll takes, how failures are
classified.

Writes are atomic: the bytes go to a temporary name in the same directory (a dot-name ending ``.tmp``,
which the partner's importer is told to skip), are flushed to disk, then renamed over the final name in
one step. A reader therefore sees either no file or the whole file, never a truncated one, and a resend
replaces the file instead of adding a second.

A poll takes regular files only (so the ``archive`` directory inside the inbox is passed over), and skips
names that start with a dot or end with ``.tmp``, ``.part``, ``.partial`` or ``.filepart`` (the names
uploaders such as WinSCP and this connector use while writing), and files changed in the last
``settle_seconds`` (a spreadsheet saved straight into the folder may still be being written).
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Protocol

from hub.sdk.errors import ConfigurationError, ConnectorError, TransientError

IN_PROGRESS_SUFFIXES = (".tmp", ".part", ".partial", ".filepart")
# Errors only an operator can fix: a missing or misnamed directory, missing permission, a read-only mount.
CONFIGURATION_ERRNOS = (errno.ENOENT, errno.ENOTDIR, errno.EACCES, errno.EPERM, errno.EROFS)


@dataclass(frozen=True)
class FileEntry:
    """A file in a folder as a listing shows it."""

    name: str
    modified: float
    size: int
    regular: bool


def complete(entry: FileEntry) -> bool:
    """Whether a poll may take this entry by its kind and name (before its age is looked at)."""
    name = entry.name.lower()
    return entry.regular and not name.startswith(".") and not name.endswith(IN_PROGRESS_SUFFIXES)


def temporary_name(name: str) -> str:
    return f".{name}.{secrets.token_hex(4)}.tmp"


def classify(exc: BaseException, where: str, doing: str) -> ConnectorError:
    """Missing paths and refused permissions are configuration problems (an operator must act and resume);
    anything else (a full disk, a dropped connection) may pass and is retried."""
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.errno in CONFIGURATION_ERRNOS:
        return ConfigurationError(f"{where}: {doing} failed: {reason}")
    return TransientError(f"{where}: {doing} failed: {reason}")


class Folders(Protocol):
    """One connection's worth of file operations; paths are directory + name joined by the implementation.
    Every method raises ``hub.sdk`` errors, classified."""

    where: str

    def join(self, directory: str, name: str) -> str: ...

    def write(self, directory: str, name: str, data: bytes) -> str:
        """Write atomically, replacing a file of that name; returns the final path."""
        ...

    def remove(self, path: str) -> bool:
        """Delete the file; False when it was not there."""
        ...

    def entries(self, directory: str) -> list[FileEntry]: ...

    def read(self, path: str) -> bytes | None:
        """The file's bytes, or None when it is gone (taken meanwhile)."""
        ...

    def stat(self, path: str) -> FileEntry | None: ...

    def move_no_clobber(self, source: str, target: str) -> bool:
        """Rename ``source`` to ``target`` unless ``target`` exists; False when it does."""
        ...

    def make_directory(self, path: str) -> None:
        """Create the directory if it is missing."""
        ...

    def probe(self, directory: str, setting: str) -> None:
        """``ConfigurationError`` unless ``directory`` is a directory this connection may write in."""
        ...


class LocalFolders:
    """Folders on this machine (or a share mounted on it)."""

    where = "local folders"

    @contextmanager
    def _doing(self, doing: str) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            raise classify(exc, self.where, doing) from exc

    def join(self, directory: str, name: str) -> str:
        return os.path.join(directory, name)

    def write(self, directory: str, name: str, data: bytes) -> str:
        final, temporary = self.join(directory, name), self.join(directory, temporary_name(name))
        with self._doing(f"writing {final}"):
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask decides
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temporary, final)
            except BaseException:
                with suppress(OSError):
                    os.unlink(temporary)
                raise
            _sync_directory(directory)
        return final

    def remove(self, path: str) -> bool:
        with self._doing(f"removing {path}"):
            try:
                os.unlink(path)
            except FileNotFoundError:
                return False
        return True

    def entries(self, directory: str) -> list[FileEntry]:
        with self._doing(f"listing {directory}"):
            found = []
            with os.scandir(directory) as listing:
                for item in listing:
                    try:
                        info = item.stat(follow_symlinks=False)
                    except FileNotFoundError:
                        continue  # taken while we listed
                    found.append(FileEntry(item.name, info.st_mtime, info.st_size, stat.S_ISREG(info.st_mode)))
        return found

    def read(self, path: str) -> bytes | None:
        with self._doing(f"reading {path}"):
            try:
                with open(path, "rb") as handle:
                    return handle.read()
            except FileNotFoundError:
                return None

    def stat(self, path: str) -> FileEntry | None:
        with self._doing(f"reading {path}"):
            try:
                info = os.stat(path, follow_symlinks=False)
            except FileNotFoundError:
                return None
        return FileEntry(os.path.basename(path), info.st_mtime, info.st_size, stat.S_ISREG(info.st_mode))

    def move_no_clobber(self, source: str, target: str) -> bool:
        # A hard link fails when the target exists, so two pollers can never overwrite each other's copy.
        with self._doing(f"moving {source} to {target}"):
            try:
                os.link(source, target)
            except FileExistsError:
                return False
            os.unlink(source)
            _sync_directory(os.path.dirname(target))
        return True

    def make_directory(self, path: str) -> None:
        with self._doing(f"creating {path}"):
            os.makedirs(path, exist_ok=True)

    def probe(self, directory: str, setting: str) -> None:
        if not os.path.isdir(directory):
            raise ConfigurationError(f"{setting} {directory} is not an existing directory")
        name = self.join(directory, temporary_name("orderhub-check"))
        try:
            with open(name, "xb"):
                pass
            os.unlink(name)
        except OSError as exc:
            raise ConfigurationError(f"{setting} {directory} is not writable: {exc.strerror or exc}") from None


def _sync_directory(directory: str) -> None:
    """Make a rename durable: the directory entry itself is flushed (not every file system allows it)."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
