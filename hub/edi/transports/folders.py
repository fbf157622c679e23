"""What the folder transports (local mailbox directories and SFTP) share: which inbound files a poll takes, how
a taken file is stored, what an archived copy is called, and which outbound file names are allowed.

The pickup rule, the same for both: a poll takes a regular file whose name matches the transport's pattern,
unless the file may still be being written, that is when

* its name starts with ``.`` or ends with ``.tmp``, ``.part``, ``.partial`` or ``.filepart`` (the names
  uploaders, WinSCP and the hub itself use while writing, before the rename that publishes a file), or
* it was modified less than ``SETTLE_SECONDS`` ago (by the hub's clock), or
* its size or modification time changed while it was being read.

Such a file is left for the next poll. A taken file is stored first and only then moved to the archive
directory (or deleted): if the hub stops in between, the next poll finds the file again, and its dedupe key
(source, name and content hash) makes the store a no-op before the file is moved away.
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hub.db.session import Database
from hub.edi.intake import file_key, store_x12
from hub.sdk.errors import ConnectorError, PermanentError, TransientError

SETTLE_SECONDS = 2.0
IN_PROGRESS_SUFFIXES = (".tmp", ".part", ".partial", ".filepart")
MAX_NAME_LENGTH = 255


def taken(name: str, pattern: str) -> bool:
    """Whether a poll takes a file of this name (before looking at its age)."""
    if name.startswith(".") or name.lower().endswith(IN_PROGRESS_SUFFIXES):
        return False
    return fnmatch.fnmatchcase(name, pattern)


def settled(modified: float, now: float | None = None) -> bool:
    """Whether a file last modified at ``modified`` (epoch seconds) has been left alone long enough."""
    return (time.time() if now is None else now) - modified >= SETTLE_SECONDS


@dataclass
class PollResult:
    """What one poll did: inbox ids it stored, files it had stored before (and now moved away), files left
    for the next poll because they may still be being written, and files it could not handle, with why."""

    stored: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failures: list[ConnectorError] = field(default_factory=list)  # transports that could not be polled at all

    def record(self, inbox_id: int, created: bool) -> None:
        (self.stored if created else self.duplicates).append(inbox_id)

    def add(self, other: PollResult) -> None:
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.waiting += other.waiting
        self.errors += other.errors
        self.failures += other.failures

    def raise_failure(self) -> None:
        """Raise the most urgent failure, if any: a transient one (worth a retry soon) before the others."""
        if self.failures:
            transient = [f for f in self.failures if isinstance(f, TransientError)]
            raise (transient or self.failures)[0]


def store_and_put_away(
    database: Database,
    result: PollResult,
    *,
    source: str,
    partner_id: str,
    name: str,
    body: bytes | None,
    put_away: Callable[[int], None],
    move_failures: tuple[type[BaseException], ...],
) -> None:
    """Store one file taken from a partner's folder (committed), then move it away with ``put_away(inbox id)``;
    a ``body`` of None is a file still being written, left for the next poll. A failed move is reported in
    ``result.errors``: the file is stored, and the next poll recognises it and retries the move."""
    if body is None:
        result.waiting.append(name)
        return
    with database.session() as session:
        inbox_id, created = store_x12(
            session, source=source, partner_id=partner_id, name=name, dedupe_key=file_key(source, name, body), body=body
        )
    result.record(inbox_id, created)
    try:
        put_away(inbox_id)
    except move_failures as exc:
        result.errors.append(f"{name}: stored as inbox message {inbox_id} but not moved away: {exc}")


def archive_name(name: str, inbox_id: int, exists: Callable[[str], bool]) -> str | None:
    """The name a taken file gets in the archive: its own, or, when an earlier file of that name is already
    there, the name with the inbox id before the extension (``850.x12`` -> ``850.4711.x12``). None when that
    name is taken too: this very file (same inbox message, so same bytes) was archived before, and the copy
    picked up again only needs deleting."""
    if not exists(name):
        return name
    stem, dot, extension = name.rpartition(".")
    numbered = f"{stem}.{inbox_id}.{extension}" if dot and stem else f"{name}.{inbox_id}"
    return None if exists(numbered) else numbered


def check_outbound_name(filename: str) -> str:
    """``filename`` if it can name a file in a partner's folder; PermanentError otherwise (the interchange
    would never be deliverable under that name)."""
    if (
        not filename
        or len(filename) > MAX_NAME_LENGTH
        or filename in (".", "..")
        or any(char in filename for char in "/\\\0")
        or filename.startswith(".")
        or filename.lower().endswith(IN_PROGRESS_SUFFIXES)
    ):
        raise PermanentError(
            f"outbound file name {filename!r} is not usable: it must be 1-{MAX_NAME_LENGTH} characters without"
            " '/', '\\\\' or NUL, must not start with '.' and must not end in a temporary suffix"
            f" ({', '.join(IN_PROGRESS_SUFFIXES)})"
        )
    return filename
