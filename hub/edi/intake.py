"""Storing inbound X12: every file or posted body goes to the inbox as raw bytes before anything is parsed.

All transports (the HTTP endpoint, mailbox directories, SFTP, the CLI) call :func:`store_x12`; the relay then
hands the message to ``hub.ingest.parse``, which reads, validates, acknowledges and applies it
(``hub.edi.inbound``). A file that cannot be parsed stays stored with its error and can be replayed.

Inbox rows for X12 use channel ``x12`` and, as account, the partner the transport vouches for (the one whose
credentials or directory it came through), or ``-`` when the transport serves several partners and the ISA
sender decides.

The worker reads a stored body back a slice at a time (:func:`stored_body`), so a large file is never held
in memory whole: SQLite hands out the blob incrementally, PostgreSQL a megabyte per query.

A body in which no interchange header can be found at all (:func:`not_x12`) is stored too, and fails when
parsed, but it can never be acknowledged: a TA1 names the interchange it answers by its ISA13, ISA09 and
ISA10, and such a body has none. A transport that can answer at once (the HTTP endpoint) says so then.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from hub.channels.intake import store_message
from hub.db.models import InboxMessage
from hub.edi.reader import Leniency, UnreadableInput, read_events

X12_CHANNEL = "x12"
ANY_PARTNER = "-"
X12_CONTENT_TYPE = "application/edi-x12"


def file_key(source: str, name: str, body: bytes) -> str:
    """The dedupe key of a picked-up file: the same file seen again (a pickup that failed before it could be
    moved away) is recognised; a new file with the same name but other content is not."""
    return f"{source}:{name[-120:]}:{hashlib.sha256(body).hexdigest()}"


def store_x12(
    executor: Session | Connection,
    *,
    source: str,
    body: bytes,
    partner_id: str | None = None,
    name: str | None = None,
    dedupe_key: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bool]:
    """Store ``body`` in the inbox; returns (inbox id, created). ``source`` names the transport (edi-http,
    mailbox, sftp, cli). Without ``dedupe_key`` every call stores a new message: a resent interchange is then
    recognised by its ISA key when parsed, and acknowledged as a duplicate."""
    return store_message(
        executor,
        source=source,
        channel=X12_CHANNEL,
        account=partner_id or ANY_PARTNER,
        topic=name[-128:] if name else None,
        dedupe_key=dedupe_key or f"{source}:{uuid.uuid4().hex}",
        body=body,
        headers=headers,
        content_type=X12_CONTENT_TYPE,
    )


def not_x12(body: bytes) -> str | None:
    """Why ``body`` holds no interchange at all (the reason the worker will fail it with), or None when an ISA
    can be read. Only the interchange header is looked for: whatever else is wrong is answered later."""
    try:
        next(iter(read_events(body, Leniency(variable_width_isa=True), check=False)), None)
    except UnreadableInput as exc:
        return str(exc)
    return None


SLICE = 1 << 20  # bytes a query reads back; larger slices cost fewer queries, smaller ones less memory


@contextmanager
def stored_body(session: Session, inbox_id: int) -> Iterator[BinaryIO]:
    """The stored body of inbox message ``inbox_id`` as a binary stream, read from the database as it is
    consumed, in ``session``'s transaction. Close it (leave the block) before the inbox row is written."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        assert raw is not None  # a live connection of the session's transaction
        with raw.blobopen("inbox_messages", "body", inbox_id, readonly=True) as blob:
            yield io.BufferedReader(_Blob(blob), buffer_size=SLICE)
        return
    yield io.BufferedReader(_Slices(session, inbox_id), buffer_size=SLICE)


class _Blob(io.RawIOBase):
    """An SQLite blob handle (``sqlite3.Blob``) as a raw stream."""

    def __init__(self, blob: object) -> None:
        self._blob = blob

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk: bytes = self._blob.read(len(buffer))  # type: ignore[attr-defined]
        buffer[: len(chunk)] = chunk
        return len(chunk)


class _Slices(io.RawIOBase):
    """A stored body read one ``substr`` query at a time (PostgreSQL's bytea, or any other database)."""

    def __init__(self, session: Session, inbox_id: int) -> None:
        self._session, self._id, self._position = session, inbox_id, 0
        where = InboxMessage.id == inbox_id
        self._size = int(session.scalar(select(func.length(InboxMessage.body)).where(where)) or 0)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        want = min(len(buffer), self._size - self._position)
        if want <= 0:
            return 0
        query = select(func.substr(InboxMessage.body, self._position + 1, want)).where(InboxMessage.id == self._id)
        chunk = bytes(self._session.scalar(query) or b"")
        buffer[: len(chunk)] = chunk
        self._position += len(chunk)
        return len(chunk)
