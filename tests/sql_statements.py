"""Counting the SQL a request runs, to show that a list reads each table once for all its rows rather than once
per row (the app under test has its own engine, so every engine is listened to)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL every engine runs inside the block."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


def reads_of(seen: list[str], table: str) -> int:
    """How many of the statements seen read ``table``."""
    return sum(1 for text in seen if text.lstrip().upper().startswith("SELECT") and f"FROM {table}" in text)
