"""GET and HEAD requests only read: their database transactions take no write lock on SQLite.

On SQLite a write transaction holds the one write lock from its first statement (``hub.db.session``), so a
console page or an API listing begun as one would queue behind the workers and hold them up in turn. A read
that writes after all (an API token's last-use mark) begins its own transaction with that write, which waits
for the lock as it should. PostgreSQL is unaffected.
"""

from __future__ import annotations

from contextlib import ExitStack

from flask import Flask, g, request

from hub.db.session import read_only

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_KEY = "orderhub_read_only"


def install(app: Flask) -> None:
    app.before_request(_enter)
    app.teardown_request(_leave)


def _enter() -> None:
    if request.method in READ_METHODS:
        stack = ExitStack()
        stack.enter_context(read_only())
        setattr(g, _KEY, stack)


def _leave(_error: BaseException | None) -> None:
    stack: ExitStack | None = g.pop(_KEY, None)
    if stack is not None:
        stack.close()
