"""Cursor pagination: a page of items and an opaque cursor for the next one.

The cursor is the sort key of the last item given (URL-safe base64 of a small JSON list), so the next page
starts strictly after it: rows added meanwhile neither repeat nor shift items between pages, and a page
costs one indexed range query however deep it is. Clients treat it as opaque.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from pydantic import Field
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from hub.api.problems import bad_field
from hub.api.registry import QueryModel

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PageQuery(QueryModel):
    """``limit`` and ``cursor``, as a list takes them; a list with filters adds them to a subclass."""

    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=400, description="next_cursor of the previous page.")


def encode_cursor(values: Sequence[Any]) -> str:
    text = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kinds: Sequence[type]) -> list[Any]:
    """The key a cursor holds, each value read as ``kinds`` says; a 400 naming ``cursor`` otherwise."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError("wrong shape")
        return [_read(value, kind) for value, kind in zip(values, kinds, strict=True)]
    except (ValueError, UnicodeDecodeError, binascii.Error, TypeError, OverflowError):
        raise bad_field(400, "query", "cursor", "not a cursor this list gave (use next_cursor as it is)") from None


def _read(value: Any, kind: type) -> Any:
    if kind is datetime:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("naive")
        return moment
    if kind is int:
        if type(value) is not int or not 0 < value < 2**63:
            raise ValueError("not an id")
        return value
    if not isinstance(value, kind) or "\x00" in str(value):
        raise ValueError("wrong type")
    return value


def after(columns: Sequence[InstrumentedAttribute[Any]], values: Sequence[Any], *, descending: bool = True) -> Any:
    """Rows strictly after ``values`` in the order of ``columns`` (descending, or ascending)."""
    first, *rest = columns
    beyond = first < values[0] if descending else first > values[0]
    if not rest:
        return beyond
    # The first column's bound stated alone as well: an index on the columns then starts its scan at the
    # cursor, where the OR by itself would be tested on every row before it.
    reached = first <= values[0] if descending else first >= values[0]
    return and_(reached, or_(beyond, and_(first == values[0], after(rest, values[1:], descending=descending))))


def fetch_page(
    session: Session,
    query: Select[Any],
    columns: Sequence[InstrumentedAttribute[Any]],
    kinds: Sequence[type],
    *,
    limit: int,
    cursor: str | None,
    key: Callable[[Any], Sequence[Any]],
    descending: bool = True,
) -> tuple[list[Any], str | None]:
    """One page of ``query`` ordered by ``columns``, and the cursor of the next (None at the end)."""
    if cursor:
        query = query.where(after(columns, decode_cursor(cursor, kinds), descending=descending))
    order = [c.desc() if descending else c.asc() for c in columns]
    rows = list(session.scalars(query.order_by(*order).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(key(rows[-1])) if more and rows else None
