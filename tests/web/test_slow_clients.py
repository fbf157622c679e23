"""Clients that send a byte every two seconds cannot stop the real server (``orderhub serve``) from answering
others, and are themselves cut off (408, or the connection closed) once their request is overdue."""

from __future__ import annotations

import select
import socket
import threading
from pathlib import Path

import requests

from tests.processes import wait_for
from tests.web.served import ServedHub, served_hub

SLOW_CLIENTS = 10  # more than the 1 worker x 2 threads the server is given


def slow_requests() -> list[bytes]:
    """Half dribble their headers, half send headers at once and dribble a declared body."""
    headers = b"POST /webhooks/shopify/shop1 HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
    dribbled_head = headers + b"X-Shopify-Topic: orders/create\r\n" * 20 + b"Content-Length: 2\r\n\r\n{}"
    dribbled_body = headers + b"Content-Length: 400\r\n\r\n" + b"{" + b" " * 398 + b"}"
    return [dribbled_head if n % 2 else dribbled_body for n in range(SLOW_CLIENTS)]


class Dribbler:
    """Connections that each send their request one byte every ``every`` seconds, until stopped."""

    def __init__(self, hub: ServedHub, every: float = 2.0) -> None:
        self.requests = slow_requests()
        self.sockets = [socket.create_connection((hub.host, hub.port), timeout=30) for _ in self.requests]
        self.sent = [0] * len(self.sockets)
        self.every = every
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(self.every):
            for n, sock in enumerate(self.sockets):
                request = self.requests[n]
                if self.sent[n] >= len(request):
                    continue
                try:
                    sock.sendall(request[self.sent[n] : self.sent[n] + 1])
                    self.sent[n] += 1
                except OSError:
                    self.sent[n] = len(request)  # the server closed it

    def __enter__(self) -> Dribbler:
        for n, sock in enumerate(self.sockets):
            sock.sendall(self.requests[n][:1] if n % 2 else self.requests[n].split(b"\r\n\r\n")[0] + b"\r\n\r\n")
            self.sent[n] = 1 if n % 2 else len(self.requests[n].split(b"\r\n\r\n")[0]) + 4
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        for sock in self.sockets:
            sock.close()

    def still_waiting(self) -> list[bool]:
        """For each connection: open, and nothing answered yet (nothing to read, not even the end)."""
        # poll, not select: in a long test session descriptors pass 1024, which select() cannot watch
        poller = select.poll()
        for sock in self.sockets:
            poller.register(sock, select.POLLIN)
        readable = {fd for fd, _ in poller.poll(0)}
        return [sock.fileno() not in readable for sock in self.sockets]

    def outcome(self, sock: socket.socket) -> str:
        """What the server finally did: the status line it answered with, or "closed"."""
        sock.settimeout(60)
        try:
            answer = sock.recv(4096)
        except OSError:
            return "closed"
        return answer.split(b"\r\n")[0].decode("latin-1") if answer else "closed"


def test_slow_clients_do_not_stop_the_server_and_are_cut_off(sqlite_template: Path, tmp_path: Path) -> None:
    settings = {"HUB_WEB__WORKERS": "1", "HUB_WEB__THREADS": "2", "HUB_WEB__REQUEST_TIMEOUT_SECONDS": "10"}
    with served_hub(sqlite_template, tmp_path, **settings) as hub, Dribbler(hub) as slow:
        wait_for(lambda: all(sent > 1 for sent in slow.sent), "every slow client to dribble a byte", limit=30)
        health = requests.get(f"{hub.url}/healthz", timeout=60)
        waiting = slow.still_waiting()
        assert health.status_code == 200, health.text
        assert all(waiting), f"slow clients answered before /healthz was: {waiting}"
        outcomes = [slow.outcome(sock) for sock in slow.sockets]
    assert all(outcome in ("HTTP/1.1 408 Request Timeout", "closed") for outcome in outcomes), outcomes
    assert "HTTP/1.1 408 Request Timeout" in outcomes
    log = hub.log.read_text()
    assert "Traceback" not in log, log[-3000:]
