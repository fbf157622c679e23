"""The gunicorn worker ``orderhub serve`` runs: gunicorn's threaded worker, except that each request is read
whole on the worker's event loop before a thread is given to it.

gunicorn's own threaded worker gives a connection to a thread as soon as a byte arrives, and the thread
then blocks until the rest of the request has come (its sync worker blocks the whole process). A few
clients that send a byte every two seconds hold every thread, and the server stops answering anyone,
``/healthz`` included.
Here the event loop, which never blocks, reads headers and body into memory as they come, and a thread
gets the request only when it is whole: a thread never waits on a client, so a slow one costs a socket
and a buffer, never a thread. The loop answers for itself, and closes, when

* the request is not whole within HUB_WEB__REQUEST_TIMEOUT_SECONDS of the connection being accepted
  (of its first byte, on a kept-alive connection): 408;
* its body is over HUB_WEB__MAX_BODY_BYTES, declared or received (chunked): 413, without waiting for the
  rest (the app's body reader, ``hub.web.body``, refuses such a body too, under any other server);
* its headers run past 64 KiB: 431; or its chunked framing is broken: 400.

Those answers are JSON, like the app's. The connection is then shut for writing and what the client still
sends is read and dropped for a while (RFC 9112, section 9.6), so the client reads the answer instead of
a connection reset; connections the threads are done with are closed the same way, without blocking the
loop. TLS is not terminated here (put a proxy in front); with TLS configured, gunicorn's behaviour is kept.
"""

from __future__ import annotations

import errno
import json
import selectors
import socket
import time
from concurrent.futures import Future
from functools import partial
from typing import Any

from gunicorn import http
from gunicorn.workers.gthread import TConn, ThreadWorker
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    RequestEntityTooLarge,
    RequestHeaderFieldsTooLarge,
    RequestTimeout,
)

from hub.settings import Settings, load_settings
from hub.web.body import too_large_message
from hub.web.errors import error_code, error_document
from hub.web.framing import HEAD_LIMIT, RequestFraming, Verdict

RECV_SIZE = 64 * 1024
LINGER_SECONDS = 5.0  # how long what a refused or finished client still sends is read and dropped
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class DeadlineSource:
    """What gunicorn's parser reads a request from: the socket, but never past the request's deadline.

    The loop hands over whole requests, so the parser should find every byte it needs already buffered;
    should it ever want more (a framing the loop judged differently), the thread waits no longer than the
    client was allowed anyway, and the app's body reader answers 408."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.deadline = 0.0

    def recv(self, size: int) -> bytes:
        remaining = self.deadline - time.monotonic()
        with selectors.DefaultSelector() as selector:
            selector.register(self.sock, selectors.EVENT_READ)
            if remaining <= 0 or not selector.select(remaining):
                raise TimeoutError("the request was not received in time")
        return self.sock.recv(size)


class Reading:
    """A request being read on the loop."""

    def __init__(self, max_body: int, deadline: float) -> None:
        self.framing = RequestFraming(max_body)
        self.deadline = deadline
        self.continued = False


class HubWorker(ThreadWorker):  # type: ignore[misc]
    def init_process(self) -> None:
        # gunicorn's init_process ends by running the worker, so everything is set up before it.
        settings: Settings = getattr(self.app, "settings", None) or load_settings()
        self.request_timeout = settings.web.request_timeout_seconds
        self.max_body = settings.web.max_body_bytes
        self.reading: dict[TConn, Reading] = {}  # in order of deadline: all requests get the same time
        self.lingering: dict[TConn, float] = {}
        super().init_process()

    # -- reading requests on the loop ------------------------------------------------------------------

    def enqueue_req(self, conn: TConn) -> None:
        """Called on the loop for a new connection, a kept-alive one with a new request, or bytes left over
        from the last request: read the request first, hand it to a thread once it is whole."""
        if self.cfg.is_ssl:
            super().enqueue_req(conn)
            return
        reading = Reading(self.max_body, time.monotonic() + self.request_timeout)
        self.reading[conn] = reading
        leftover = conn.parser.unreader.take_buffered() if conn.parser is not None else b""
        if leftover and self._advance(conn, reading, leftover):
            return
        conn.sock.setblocking(False)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))

    def _on_readable(self, conn: TConn, _sock: Any) -> None:
        try:
            data = conn.sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if data:
            self._advance(conn, self.reading[conn], data)
            return
        self._stop_reading(conn)  # the client left before its request was whole
        self._close(conn)

    def _advance(self, conn: TConn, reading: Reading, data: bytes) -> bool:
        """Take in ``data``; True once the request has left the loop (to a thread, or answered)."""
        verdict = reading.framing.feed(data)
        if verdict is Verdict.MORE:
            if reading.framing.expects_continue and not reading.continued:
                reading.continued = True
                self._send(conn, CONTINUE)
            return False
        self._stop_reading(conn)
        if verdict is Verdict.WHOLE:
            self._dispatch(conn, bytes(reading.framing.buffer), reading.deadline)
        elif verdict is Verdict.TOO_LARGE:
            self._refuse(conn, RequestEntityTooLarge(too_large_message(self.max_body)))
        elif verdict is Verdict.HEAD_TOO_LARGE:
            self._refuse(conn, RequestHeaderFieldsTooLarge(f"the request headers are over {HEAD_LIMIT} bytes"))
        else:
            self._refuse(conn, BadRequest("the request body's chunked framing is malformed"))
        return True

    def _stop_reading(self, conn: TConn) -> None:
        del self.reading[conn]
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError):
            pass  # it never waited: its request was whole in what was left over

    def _dispatch(self, conn: TConn, request: bytes, deadline: float) -> None:
        if conn.parser is None:
            conn.parser = http.get_parser(self.cfg, DeadlineSource(conn.sock), conn.client)
        if isinstance(conn.parser.unreader.sock, DeadlineSource):
            conn.parser.unreader.sock.deadline = deadline
        conn.parser.unreader.unread(request)
        conn.data_ready = True  # no waiting for a first byte in the thread: the request is here
        super().enqueue_req(conn)

    def murder_pending(self) -> None:
        """Run by the loop at least once a second: time out requests not yet whole, end lingering."""
        super().murder_pending()
        now = time.monotonic()
        for conn, reading in list(self.reading.items()):
            if reading.deadline > now:
                break
            self._stop_reading(conn)
            message = (
                f"the request was not received whole within {self.request_timeout:g} s"
                " (HUB_WEB__REQUEST_TIMEOUT_SECONDS): send it without pausing"
            )
            self._refuse(conn, RequestTimeout(message))
        for conn, until in list(self.lingering.items()):
            if until > now:
                break
            self._end_lingering(conn)

    # -- answering and closing without blocking the loop -----------------------------------------------

    def _refuse(self, conn: TConn, error: HTTPException) -> None:
        status, message = error.code or 400, error.description or error.name
        body = json.dumps(error_document(status, error_code(error), message)).encode()
        head = (
            f"HTTP/1.1 {status} {error.name}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        self.log.info("%s %s from %s: %s", status, error.name, _peer(conn), message)
        self._send(conn, head.encode("latin-1") + body)
        self._linger(conn)

    def _send(self, conn: TConn, data: bytes) -> None:
        # Small answers on a connection nothing else was written to since it was read: they fit the send
        # buffer, so a non-blocking send takes them whole; a client already gone is no error.
        try:
            conn.sock.send(data)
        except OSError:
            pass

    def finish_request(self, conn: TConn, fs: Future[Any]) -> None:
        """A thread is done with ``conn``: gunicorn's handling, except that a connection to be closed is
        closed by lingering on the loop, where gunicorn would block the loop for up to two seconds."""
        if fs.cancelled() or fs.exception() is not None or fs.result():
            super().finish_request(conn, fs)
            return
        self._linger(conn)

    def _linger(self, conn: TConn) -> None:
        try:
            conn.sock.setblocking(False)
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._close(conn)
            return
        self.lingering[conn] = time.monotonic() + LINGER_SECONDS
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_lingering_readable, conn))

    def _on_lingering_readable(self, conn: TConn, _sock: Any) -> None:
        try:
            if conn.sock.recv(RECV_SIZE):
                return
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            if exc.errno not in (errno.ECONNRESET, errno.ENOTCONN, errno.EPIPE):
                self.log.debug("while closing a connection: %s", exc)
        self._end_lingering(conn)

    def _end_lingering(self, conn: TConn) -> None:
        del self.lingering[conn]
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError):
            pass
        self._close(conn)

    def _close(self, conn: TConn) -> None:
        self.nr_conns -= 1
        conn.close()


def _peer(conn: TConn) -> str:
    client = conn.client
    return f"{client[0]}:{client[1]}" if isinstance(client, tuple) and len(client) >= 2 else str(client)
