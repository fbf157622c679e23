"""Webhook deliveries stored in one round trip, on database connections kept open between requests.

Taking a connection from the engine's pool costs a round trip of its own before the INSERT: the pool pings
the server on every checkout (``pool_pre_ping``, which keeps workers and the CLI safe across database
restarts). On the receiver's hot path that ping is half the database work. The writer keeps a few
autocommit connections of its own (no more than the requests in flight at once) and hands each request one,
so the request's one INSERT is its one round trip.

A kept connection the server has dropped fails one INSERT: it is thrown away and the INSERT is made once
more on a fresh connection (whose checkout pings). Making it again is safe: the dedupe key makes a second
insert of the same delivery find the first instead of storing it twice.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from hub.channels.intake import store_message

KEPT = 16  # connections kept idle at most; more requests at once than this open (and close) extra ones


class InboxWriter:
    """One per process and engine; ``store`` is safe to call from any number of threads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.pid = os.getpid()
        self._idle: list[Connection] = []
        self._lock = threading.Lock()

    def store(
        self,
        *,
        source: str,
        channel: str,
        account: str,
        topic: str | None,
        dedupe_key: str,
        body: bytes,
        headers: dict[str, str] | None = None,
        content_type: str | None = None,
        triggered_at: datetime | None = None,
    ) -> tuple[int, bool]:
        """``store_message`` on a kept connection: (inbox id, True), or (the stored copy's id, False)."""
        values = {
            "source": source,
            "channel": channel,
            "account": account,
            "topic": topic,
            "dedupe_key": dedupe_key,
            "body": body,
            "headers": headers,
            "content_type": content_type,
            "triggered_at": triggered_at,
        }
        for attempt in (1, 2):
            connection = self._take()
            try:
                stored = store_message(connection, **values)  # type: ignore[arg-type]
                connection.commit()  # autocommit: nothing is sent, the connection's own state is reset
            except DBAPIError as exc:
                connection.close()
                if attempt == 2 or not exc.connection_invalidated:
                    raise
                continue
            except BaseException:
                connection.close()
                raise
            self._give(connection)
            return stored
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _take(self) -> Connection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def _give(self, connection: Connection) -> None:
        with self._lock:
            if len(self._idle) < KEPT:
                self._idle.append(connection)
                return
        connection.close()
