"""``orderhub serve`` as a real process on loopback (gunicorn, as users run it), on the embedded stack, with
a Shopify account and an EDI partner already set up; and raw HTTP clients that frame requests themselves."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.client import HTTPResponse
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select

from hub.db.models import ChannelAccount, InboxMessage
from hub.db.session import Database
from tests.edi.transports.conftest import add_partner
from tests.processes import free_port, hub_env, hub_process, wait_for

SHOPIFY_SECRET = "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"
EDI_TOKEN = "tok-9d2e7f41a6b3c058"
LIMIT = 1024 * 1024  # HUB_WEB__MAX_BODY_BYTES as shipped


@dataclass
class ServedHub:
    host: str
    port: int
    database: Database
    log: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def post_chunked(self, path: str, chunks: Iterable[bytes], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """POST with ``Transfer-Encoding: chunked`` (no Content-Length); the status and the JSON answer.

        Framed by hand on a raw socket, so a server that answers before the body ends is still heard: the
        client stops sending when the server stops reading, and reads the answer."""
        with socket.create_connection((self.host, self.port), timeout=60) as sock:
            lines = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Transfer-Encoding: chunked"]
            lines += [f"{name}: {value}" for name, value in headers.items()]
            try:
                sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
                for chunk in chunks:
                    sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sock.sendall(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered early and closed: what it said is still to be read
            response = HTTPResponse(sock)
            response.begin()
            return response.status, json.loads(response.read())

    def messages(self) -> list[InboxMessage]:
        with self.database.session() as session:
            return list(session.scalars(select(InboxMessage).order_by(InboxMessage.id)))


def pieces(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@contextmanager
def served_hub(sqlite_template: Path, tmp_path: Path, **settings: str) -> Iterator[ServedHub]:
    """Start ``orderhub serve`` with the HUB_* ``settings`` given; stopped when the block ends."""
    path = tmp_path / "orderhub.sqlite3"
    shutil.copyfile(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    with database.session() as session:
        session.add(
            ChannelAccount(channel="shopify", account="shop1", settings={"webhook_secrets": ["env:WEB_TEST_SHOPIFY"]})
        )
    add_partner(database, "acme", inbound_http={"token": "env:WEB_TEST_EDI_TOKEN"})
    port = free_port()
    env = hub_env(
        HUB_DATABASE_URL=f"sqlite:///{path}",
        HUB_BROKER_URL=f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}",
        HUB_DATA_DIR=str(tmp_path),
        WEB_TEST_SHOPIFY=SHOPIFY_SECRET,
        WEB_TEST_EDI_TOKEN=EDI_TOKEN,
        **settings,
    )
    log = tmp_path / "serve.log"
    hub = ServedHub("127.0.0.1", port, database, log)
    with hub_process(["serve", "--port", str(port)], env, log):

        def up() -> bool:
            try:
                return requests.get(f"{hub.url}/healthz", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        wait_for(up, "orderhub serve to answer /healthz", limit=90)
        try:
            yield hub
        finally:
            database.dispose()
