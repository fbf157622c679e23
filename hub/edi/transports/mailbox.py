"""Mailbox directories: local folders shared with a partner or its VAN (an NFS or SMB mount, a directory an
SFTP or AS2 server writes into).

``poll_mailbox`` takes the files of the inbound directory by the rule in ``hub.edi.transports.folders``,
stores each one and then moves it to the archive directory (created when missing), or deletes it when the
transport has no archive. ``write_mailbox`` publishes a file in the outbound directory atomically: it is
written under a temporary dot-name, flushed to disk, then linked to its final name, so the partner never sees
half a file, and an existing file is never overwritten. Relative directories are taken from the working
directory of the process that polls, so profiles should give absolute paths.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import time
from functools import partial
from pathlib import Path

from hub.db.session import Database
from hub.edi.partners import MailboxTransport
from hub.edi.transports.folders import (
    PollResult,
    archive_name,
    check_outbound_name,
    settled,
    store_and_put_away,
    taken,
)
from hub.sdk.errors import ConfigurationError, PermanentError, TransientError

SOURCE = "mailbox"


def _directory(path: str, role: str) -> Path:
    directory = Path(path)
    if not directory.is_dir():
        raise ConfigurationError(
            f"the mailbox {role} directory {directory} does not exist or is not a directory;"
            f" create it or correct the mailbox transport's {role} path"
        )
    return directory


def poll_mailbox(
    database: Database, partner_id: str, transport: MailboxTransport, *, now: float | None = None
) -> PollResult:
    """Store every settled file of the inbound directory, then archive or delete it."""
    inbound = _directory(transport.inbound, "inbound")
    archive = Path(transport.archive) if transport.archive else None
    if archive is not None:
        try:
            archive.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigurationError(f"cannot create the mailbox archive directory {archive}: {exc.strerror}") from exc
    result = PollResult()
    moment = time.time() if now is None else now
    with os.scandir(inbound) as entries:
        candidates = sorted((e for e in entries if taken(e.name, transport.pattern)), key=lambda e: e.name)
    for entry in candidates:
        if not entry.is_file(follow_symlinks=False):
            continue
        path = Path(entry.path)
        try:
            body = _read_settled(path, moment)
        except OSError as exc:
            result.errors.append(f"{entry.name}: cannot read: {exc.strerror}")
            continue
        store_and_put_away(
            database,
            result,
            source=SOURCE,
            partner_id=partner_id,
            name=entry.name,
            body=body,
            put_away=partial(_put_away, path, archive),
            move_failures=(OSError,),
        )
    return result


def _read_settled(path: Path, now: float) -> bytes | None:
    """The file's bytes, or None while it may still be being written (too recent, or changed as it was read)."""
    before = path.stat()
    if not settled(before.st_mtime, now):
        return None
    body = path.read_bytes()
    after = path.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or len(body) != after.st_size:
        return None
    return body


def _put_away(path: Path, archive: Path | None, inbox_id: int) -> None:
    name = None if archive is None else archive_name(path.name, inbox_id, lambda other: (archive / other).exists())
    if archive is None or name is None:
        path.unlink()
    else:
        shutil.move(path, archive / name)  # a rename on one file system, copy and delete across two


def write_mailbox(transport: MailboxTransport, filename: str, text: str | bytes) -> Path:
    """Publish ``text`` as ``filename`` in the outbound directory; returns its path.

    Writing the same content under the same name again succeeds without a change (a resend after a crash);
    different content under a name already there is a PermanentError, never an overwrite.
    """
    check_outbound_name(filename)
    outbound = _directory(transport.outbound, "outbound")
    data = text.encode("utf-8") if isinstance(text, str) else text
    final = outbound / filename
    temporary = outbound / f".{filename}.{secrets.token_hex(4)}.tmp"
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _publish(temporary, final, data)
        _sync_directory(outbound)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT):
            raise ConfigurationError(f"cannot write {final}: {exc.strerror}; check the directory") from exc
        raise TransientError(f"cannot write {final}: {exc.strerror or exc}") from exc  # full disk, I/O error
    finally:
        temporary.unlink(missing_ok=True)
    return final


def _publish(temporary: Path, final: Path, data: bytes) -> None:
    """Give the written file its final name without ever replacing another file of that name."""
    try:
        os.link(temporary, final)  # atomic, and fails when the name is taken
        return
    except FileExistsError:
        pass
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        if not final.exists():  # a file system without hard links (some SMB mounts): rename instead
            os.replace(temporary, final)
            return
    if final.read_bytes() != data:
        raise PermanentError(
            f"{final} already exists with other content; the partner has not picked it up yet or the name was"
            " reused: move it away, then send the interchange again"
        )


def _sync_directory(directory: Path) -> None:
    """Make the new directory entry durable (the file's data was synced before it was linked)."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
