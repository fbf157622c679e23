"""The delivery engine's handler for ``accounting.post``: one journal entry to one accounting destination.

The engine gives it retries, the breaker, dead letters and replay like any delivery. A connector with a batch
form (``PostsJournalEntryBatch``: one CSV file for a run, a partner's batch API) gets the whole group in one
call; otherwise each entry goes with ``post_entry``. ``settle`` writes the outcome to the export ledger
(``accounting_exports``): posted with the partner's id, or dead with the reason. A delivery whose entry the
ledger already shows as posted (a replay of one that did go through) is not sent again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hub.accounting.payload import from_payload
from hub.db.models import AccountingExport, DeliveryStatus
from hub.db.models.base import utcnow
from hub.delivery import results
from hub.delivery.claim import Claimed
from hub.delivery.handlers import CONNECTOR, AfterCommit, Target, register
from hub.delivery.record import Settled
from hub.delivery.results import Result
from hub.sdk import JournalEntry, PermanentError, PostsJournalEntries, PostsJournalEntryBatch, TransientError

POST = "accounting.post"
POSTED = "posted"
PENDING = "pending"
DEAD = "dead"


def _entry(delivery: Claimed) -> JournalEntry:
    try:
        entry = from_payload(delivery.payload)
    except (KeyError, ValueError, TypeError) as exc:
        raise PermanentError(f"the stored journal entry is not valid: {exc}") from None
    if not entry.is_balanced():
        raise PermanentError(f"journal entry {entry.entry_id} does not balance; it is not posted")
    return entry


class PostEntry:
    operation: ClassVar[str] = POST
    kind: ClassVar[str] = CONNECTOR

    def prepare(self, session: Session, claimed: Sequence[Claimed]) -> dict[int, Result]:
        posted = set(
            session.scalars(
                select(AccountingExport.delivery_id).where(
                    AccountingExport.delivery_id.in_([d.id for d in claimed]), AccountingExport.status == POSTED
                )
            )
        )
        return {
            d.id: results.succeeded(d.id, utcnow(), d.external_id, "the export ledger has it posted", already=True)
            for d in claimed
            if d.id in posted
        }

    def send_one(self, target: Target, delivery: Claimed) -> Result:
        started = utcnow()
        connector = target.connector
        try:
            entry = _entry(delivery)
            if isinstance(connector, PostsJournalEntries):
                submitted = connector.post_entry(entry, delivery.idempotency_key)
            elif isinstance(connector, PostsJournalEntryBatch):
                answer = list(connector.post_entries([(entry, delivery.idempotency_key)]))[0]
                if isinstance(answer, BaseException):
                    raise answer
                submitted = answer
            else:
                raise PermanentError(f"{target.destination} cannot post journal entries (no post_entry capability)")
        except Exception as exc:  # noqa: BLE001 - every failure becomes a recorded result
            return results.failed(delivery.id, started, exc)
        return results.succeeded(delivery.id, started, submitted.external_id, submitted.note)

    def send_batch(self, target: Target, deliveries: Sequence[Claimed]) -> list[Result] | None:
        if not isinstance(target.connector, PostsJournalEntryBatch):
            return None
        started = utcnow()
        ready: list[tuple[Claimed, JournalEntry]] = []
        refused: dict[int, Result] = {}
        for delivery in deliveries:
            try:
                ready.append((delivery, _entry(delivery)))
            except PermanentError as exc:
                refused[delivery.id] = results.failed(delivery.id, started, exc)
        answers: list[Result] = []
        if ready:
            answers = self._post_many(target.connector, ready)
        by_id = {result.delivery_id: result for result in answers} | refused
        return [by_id[delivery.id] for delivery in deliveries]

    def _post_many(self, connector: PostsJournalEntryBatch, ready: list[tuple[Claimed, JournalEntry]]) -> list[Result]:
        begun = utcnow()
        try:
            answers = list(connector.post_entries([(entry, d.idempotency_key) for d, entry in ready]))
            if len(answers) != len(ready):
                raise TransientError(f"the batch call answered {len(answers)} of {len(ready)} entries")
        except Exception as exc:  # noqa: BLE001
            return [results.failed(d.id, begun, exc) for d, _entry in ready]
        return [
            results.failed(d.id, begun, answer)
            if isinstance(answer, BaseException)
            else results.succeeded(d.id, begun, answer.external_id, answer.note)
            for (d, _entry), answer in zip(ready, answers, strict=True)
        ]

    def settle(self, session: Session, delivery: Claimed, result: Result, status: str, after: AfterCommit) -> None:
        self.settle_many(session, [(delivery, result, status)], after)

    def settle_many(self, session: Session, settled: Sequence[Settled], after: AfterCommit) -> list[Settled]:
        """The export ledger rows of a whole chunk in one statement (executed once per row by the driver)."""
        table = AccountingExport.__table__
        statement = (
            table.update()
            .where(table.c.delivery_id == bindparam("b_delivery"))
            .values(
                status=bindparam("b_status"),
                external_id=bindparam("b_external"),
                posted_at=bindparam("b_posted"),
                error=bindparam("b_error"),
            )
        )
        now = utcnow()
        rows = [
            {
                "b_delivery": delivery.id,
                "b_status": POSTED if status == DeliveryStatus.DELIVERED else DEAD,
                "b_external": (result.external_id or delivery.external_id)
                if status == DeliveryStatus.DELIVERED
                else None,
                "b_posted": now if status == DeliveryStatus.DELIVERED else None,
                "b_error": None if status == DeliveryStatus.DELIVERED else result.error,
            }
            for delivery, result, status in settled
        ]
        if rows:
            session.execute(statement, rows)
        return []


register(PostEntry())
