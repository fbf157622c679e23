"""Outbound control numbers: persistent, per partner and kind, never handed out twice.

X12 wants every interchange we send a partner to carry a fresh ISA13, every group a fresh GS06 and every
transaction set an ST02 unique within its group. Each (partner, kind) pair is one row of
``edi_control_numbers`` holding the last number issued, and a number is drawn with a single statement::

    UPDATE edi_control_numbers SET value = (value + n - 1) % 999999999 + 1 WHERE ... RETURNING value

The database serialises those updates (a row lock on PostgreSQL, the write lock on SQLite), so concurrent
threads and processes each get their own numbers, with no repeats and no gaps between them. The row is
created on first use by ``INSERT ... ON CONFLICT DO NOTHING`` followed by the same update, so two first
users cannot both start at 1.

Wrapping: ISA13 is nine digits, so every sequence runs 1, 2, ... 999999999 and then starts again at 1
(0 is never issued). GS06 (at most nine digits) and ST02 (at most nine characters) wrap at the same point,
which keeps one rule for all three. A partner would need a billion interchanges before a number repeats.

:func:`draw` takes numbers inside the caller's transaction: they are only spent if it commits (and the row
stays locked until then, so keep such transactions short). :func:`allocate` and :class:`NumberSource`
commit each draw at once, which suits code that sends before it stores.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub.db.models import ControlNumber
from hub.db.models.base import utcnow
from hub.db.session import Database

WRAP = 999_999_999
MAX_BLOCK = 10_000


class Kind(StrEnum):
    ISA13 = "ISA13"  # interchange control number
    GS06 = "GS06"  # group control number
    ST02 = "ST02"  # transaction set control number


def _wrap(number: int) -> int:
    return (number - 1) % WRAP + 1


def format_number(kind: Kind, number: int) -> str:
    """The number as it is written: ISA13 nine digits, ST02 at least four (its minimum length), GS06 bare."""
    if kind is Kind.ISA13:
        return f"{number:09d}"
    if kind is Kind.ST02:
        return f"{number:04d}"
    return str(number)


def draw(session: Session, partner_id: str, kind: Kind, count: int = 1) -> list[int]:
    """The next ``count`` numbers of ``partner_id``'s ``kind`` sequence, in the caller's transaction."""
    if not 1 <= count <= MAX_BLOCK:
        raise ValueError(f"draw between 1 and {MAX_BLOCK} control numbers at a time, not {count}")
    last = _advance(session, partner_id, kind, count)
    if last is None:
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        session.execute(
            insert(ControlNumber)
            .values(partner_id=partner_id, kind=str(kind), value=0, updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=["partner_id", "kind"])
        )
        last = _advance(session, partner_id, kind, count)
        assert last is not None  # the row exists now, whoever inserted it
    return [_wrap(last - count + i) for i in range(1, count + 1)]


def _advance(session: Session, partner_id: str, kind: Kind, count: int) -> int | None:
    statement = (
        update(ControlNumber)
        .where(ControlNumber.partner_id == partner_id, ControlNumber.kind == str(kind))
        .values(value=(ControlNumber.value + (count - 1)) % WRAP + 1, updated_at=utcnow())
        .returning(ControlNumber.value)
        .execution_options(synchronize_session=False)
    )
    value: int | None = session.execute(statement).scalar_one_or_none()
    return value


def allocate(database: Database, partner_id: str, kind: Kind, count: int = 1) -> list[int]:
    """Like :func:`draw`, in a transaction of its own that commits before the numbers are returned."""
    with database.session() as session:
        return draw(session, partner_id, kind, count)


class NumberSource:
    """Fresh numbers for one partner, one committed draw per call: ``numbers(Kind.ISA13) -> 57``."""

    def __init__(self, database: Database, partner_id: str) -> None:
        self.database = database
        self.partner_id = partner_id

    def __call__(self, kind: Kind) -> int:
        return allocate(self.database, self.partner_id, kind)[0]


def peek(session: Session, partner_id: str, kind: Kind) -> int:
    """The last number issued (0 when none was): for display, never for choosing the next one."""
    row = session.get(ControlNumber, (partner_id, str(kind)))
    return row.value if row else 0
