"""What every fake partner server shares: the loopback server's lifecycle, the request log and failure injection.

A fake is a dataclass that derives from ``FakeServer`` and has a ``requests`` list. It supplies the Flask app with
its routes (``_app``), the record it keeps of each request (``_seen``), an injected failure's body in the partner's
own error shape (``_failure_response``) and, optionally, the checks every request must pass (``_authorize``).
Each request is then handled in this order: recorded, answered with an injected failure if one is due, checked.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from flask import Flask, Response, request
from flask.typing import ResponseReturnValue
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

RESET = "fake.reset_connection"


class ResettingRequestHandler(WSGIRequestHandler):
    """Drops the connection with a TCP reset instead of answering, when the gate marked the request so."""

    def send_response(self, code: int, message: str | None = None) -> None:
        if getattr(self, "environ", {}).get(RESET):
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            raise ConnectionResetError("the fake drops this connection")
        super().send_response(code, message)


@dataclass
class Failure:
    status: int
    retry_after: str | None
    remaining: int
    skip: int  # requests still answered normally before this failure starts
    # keyword-only, so that fakes can add fields of their own without defaults
    mode: str = field(default="status", kw_only=True)  # status (answer with it), hang (wait, then serve), reset
    seconds: float = field(default=0.0, kw_only=True)  # how long a hang lasts

    def applies(self, path: str) -> bool:
        """Whether a request for ``path`` counts towards (and can get) this failure."""
        return True


@dataclass
class PathFailure(Failure):
    """A failure only requests whose path contains ``path`` get (any request, when it is None)."""

    path: str | None

    def applies(self, path: str) -> bool:
        return self.path is None or self.path in path


class FakeServer:
    failure_type: type[Failure] = Failure
    request_handler: type[WSGIRequestHandler] | None = None
    requests: list[Any]  # a field of each fake

    def __post_init__(self) -> None:
        self._failures: deque[Failure] = deque()
        self._lock = threading.Lock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- set-up, from the test --

    @property
    def origin(self) -> str:
        assert self._server is not None, "the server is not running"
        return f"http://127.0.0.1:{self._server.server_port}"

    def fail_next(self, status: int, *, retry_after: str | None = None, times: int = 1, after: int = 0) -> None:
        """Answer ``times`` requests with ``status``, once ``after`` more requests were answered normally."""
        self._inject(self.failure_type(status, retry_after, times, after))

    def hang_next(self, *, times: int = 1, seconds: float = 2.0) -> None:
        """Hold the next requests ``seconds`` before serving them (past a short client timeout)."""
        self._inject(self.failure_type(200, None, times, 0, mode="hang", seconds=seconds))

    def reset_next(self, *, times: int = 1) -> None:
        """Drop the next requests' connections without an answer."""
        self._inject(self.failure_type(0, None, times, 0, mode="reset"))

    def _inject(self, failure: Failure) -> None:
        with self._lock:
            self._failures.append(failure)

    # -- what each fake supplies --

    def _app(self) -> Flask:
        """The app with the fake's routes; the gate in front of them is added here."""
        raise NotImplementedError

    def _seen(self) -> Any:
        """What ``requests`` keeps of the current request."""
        raise NotImplementedError

    def _failure_response(self, failure: Failure) -> Response:
        """The body of an injected failure, as the partner words its errors; status and Retry-After are set here."""
        raise NotImplementedError

    def _authorize(self) -> ResponseReturnValue | None:
        """An error for a request the partner would refuse, or None to let it through."""
        return None

    # -- the server --

    def __enter__(self) -> Self:
        app = self._app()
        app.before_request(self._gate)
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=self.request_handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _gate(self) -> ResponseReturnValue | None:
        with self._lock:
            self.requests.append(self._seen())
            failure = self._take_failure(request.path)
        if failure is not None and failure.mode == "hang":  # a slow partner: the request is still served
            time.sleep(failure.seconds)
            return self._authorize()
        if failure is not None and failure.mode == "reset":
            request.environ[RESET] = True  # ResettingRequestHandler drops the connection instead of answering
            return Response(status=500)
        if failure is None:
            return self._authorize()
        response = self._failure_response(failure)
        response.status_code = failure.status
        if failure.retry_after is not None:
            response.headers["Retry-After"] = failure.retry_after
        return response

    def _take_failure(self, path: str) -> Failure | None:
        """The failure due for this request, if any (the caller holds the lock)."""
        failure = next((f for f in self._failures if f.applies(path)), None)
        if failure is None:
            return None
        if failure.skip > 0:
            failure.skip -= 1
            return None
        failure.remaining -= 1
        if failure.remaining <= 0:
            self._failures.remove(failure)
        return failure
