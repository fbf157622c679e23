"""One message of a chunk while it is worked on, and the statuses of a chunk written together.

The statuses are kept on the items and written at the end, one statement per kind of ending, rather than
on ORM objects: a savepoint flushes whatever is pending, so ORM objects would cost one UPDATE per message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import String, Table, bindparam, func, update
from sqlalchemy.orm import Session

from hub.channels.normalize import Normalized
from hub.channels.process import Outcome
from hub.db.models import InboxMessage, InboxStatus
from hub.db.models.base import utcnow

INBOX = cast(Table, InboxMessage.__table__)
ERROR_LENGTH = 4000


@dataclass
class Item:
    id: int
    channel: str
    account: str
    topic: str | None
    body: bytes
    normalized: Normalized | None = None
    status: str = InboxStatus.RECEIVED.value
    error: str | None = None
    finished: bool = False  # applied, ignored or failed: its status is final for this processing
    read_back: bool = False  # a thin message: what it points at is fetched after the chunk commits
    waiting: bool = False  # names an order not received yet: back to the sweeper's care
    retry: bool = False  # a failure that passes: stays received, retried after ``retry_after``
    retry_after: float | None = None
    created: list[str] = field(default_factory=list)  # new orders that go to routing
    new_ids: list[str] = field(default_factory=list)  # new orders gathered for the chunk's bulk write

    @property
    def pending(self) -> bool:
        return self.normalized is not None and not self.read_back and not self.finished

    def done(self, status: InboxStatus, note: str | None) -> None:
        self.status, self.error, self.finished = status.value, note, True

    def fail(self, error: str) -> None:
        self.status, self.error, self.finished = InboxStatus.FAILED.value, error[:ERROR_LENGTH], True

    def wait(self, error: str) -> None:
        self.error, self.waiting, self.finished = error[:ERROR_LENGTH], True, True

    def note_retry(self, error: str, after: float | None) -> None:
        self.error, self.retry, self.retry_after, self.finished = error[:ERROR_LENGTH], True, after, True

    def outcome(self) -> Outcome:
        return Outcome(self.status, self.error or "", created=tuple(self.created))

    def as_message(self) -> InboxMessage:
        """A detached stand-in for the stored message, for the code a lone message is applied with (it
        reads the id, channel, account and topic only)."""
        return InboxMessage(id=self.id, channel=self.channel, account=self.account, topic=self.topic)


def record_statuses(session: Session, items: list[Item]) -> None:
    """Write what became of each finished message: final statuses, messages back to waiting for their
    order (republished by the sweeper), and the reasons of ones left for a retry."""
    now = utcnow()
    final = [
        {"row_id": i.id, "new_status": i.status, "new_error": i.error, "new_topic": i.topic, "done_at": now}
        for i in items
        if i.finished and not (i.waiting or i.retry)
    ]
    waiting = [{"row_id": i.id, "new_error": i.error, "new_topic": i.topic} for i in items if i.waiting]
    retry = [{"row_id": i.id, "new_error": i.error, "new_topic": i.topic} for i in items if i.retry]
    processed_at = bindparam("done_at", type_=INBOX.c.processed_at.type)
    for rows, values in (
        (final, {"status": bindparam("new_status"), "processed_at": processed_at}),
        (waiting, {"status": InboxStatus.RECEIVED.value, "enqueued_at": None}),
        (retry, {}),
    ):
        if rows:
            session.execute(_status_update(values, only_received=rows is retry), rows)


def _status_update(values: dict[str, Any], *, only_received: bool) -> Any:
    statement = (
        update(INBOX)
        .where(INBOX.c.id == bindparam("row_id"))
        .values(
            error=bindparam("new_error", type_=INBOX.c.error.type),
            topic=func.coalesce(INBOX.c.topic, bindparam("new_topic", type_=String())),
            **values,
        )
    )
    return statement.where(INBOX.c.status == InboxStatus.RECEIVED.value) if only_received else statement
