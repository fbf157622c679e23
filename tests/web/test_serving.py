"""HTTP as clients speak it to the real server (``orderhub serve``): kept-alive and pipelined requests,
``Expect: 100-continue``, and the answers the server gives before a request reaches the app."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.edi.transports.conftest import ISA
from tests.web.served import EDI_TOKEN, LIMIT, ServedHub, served_hub

EDI_POST = f"POST /edi/acme HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer {EDI_TOKEN}\r\n".encode()


@pytest.fixture(scope="module")
def hub(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedHub]:
    with served_hub(sqlite_template, tmp_path_factory.mktemp("served")) as served:
        yield served


def connect(hub: ServedHub) -> socket.socket:
    return socket.create_connection((hub.host, hub.port), timeout=30)


def answers(sock: socket.socket, count: int) -> list[tuple[int, bytes]]:
    """The next ``count`` final answers on ``sock`` (interim 1xx answers skipped): status and body.
    The hub's answers carry a Content-Length, or are chunked; either is read."""
    reader = sock.makefile("rb")
    found: list[tuple[int, bytes]] = []
    while len(found) < count:
        status = int(reader.readline().split()[1])
        headers = {}
        while (line := reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if status < 200:
            continue
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while size := int(reader.readline().split(b";")[0], 16):
                body += reader.read(size + 2)[:-2]
            reader.readline()
        else:
            body = reader.read(int(headers.get("content-length", "0")))
        found.append((status, body))
    return found


def test_kept_alive_connections_serve_one_request_after_another(hub: ServedHub) -> None:
    with requests.Session() as session:
        for n in range(3):
            assert session.get(f"{hub.url}/healthz", timeout=30).status_code == 200
            posted = session.post(
                f"{hub.url}/edi/acme",
                data=ISA.replace("PO-1", f"KEEP-{n}").encode(),
                headers={"Authorization": f"Bearer {EDI_TOKEN}"},
                timeout=30,
            )
            assert posted.status_code == 202, posted.text


def test_pipelined_requests_are_answered_in_order(hub: ServedHub) -> None:
    body = ISA.replace("PO-1", "PIPELINED").encode()
    first = b"GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n"
    second = EDI_POST + b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
    with connect(hub) as sock:
        sock.sendall(first + second)
        (health, _), (posted, answer) = answers(sock, 2)
    assert (health, posted) == (200, 202), answer
    stored = {message.id: message.body for message in hub.messages()}
    assert stored[json.loads(answer)["inbox_id"]] == body


def test_a_client_that_expects_100_continue_gets_it_before_sending_the_body(hub: ServedHub) -> None:
    body = ISA.replace("PO-1", "CONTINUED").encode()
    with connect(hub) as sock:
        sock.sendall(EDI_POST + b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
        assert sock.recv(4096).startswith(b"HTTP/1.1 100 Continue\r\n")
        sock.sendall(body)
        [(status, answer)] = answers(sock, 1)
    assert status == 202, answer
    stored = {message.id: message.body for message in hub.messages()}
    assert stored[json.loads(answer)["inbox_id"]] == body


@pytest.mark.parametrize(
    ("request_head", "status", "code"),
    [
        # the declared length alone is enough: the client need not send a byte of the body
        (EDI_POST + b"Content-Length: %d\r\n\r\n" % (5 * LIMIT), 413, "request_entity_too_large"),
        (EDI_POST + b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % (LIMIT + 1), 413, None),
        (EDI_POST + b"Transfer-Encoding: chunked\r\n\r\n%x\r\n" % (LIMIT + 1), 413, None),
        (EDI_POST + b"X-Pad: " + b"p" * (70 * 1024), 431, "request_header_fields_too_large"),
        (EDI_POST + b"Transfer-Encoding: chunked\r\n\r\nnot-hex\r\n", 400, "bad_request"),
    ],
)
def test_answers_the_server_gives_before_the_request_is_whole(
    hub: ServedHub, request_head: bytes, status: int, code: str | None
) -> None:
    before = len(hub.messages())
    with connect(hub) as sock:
        sock.sendall(request_head)
        [(answered, answer)] = answers(sock, 1)
        assert sock.recv(1) == b""  # and the connection is closed
    assert answered == status, answer
    error = json.loads(answer)["error"]
    assert error["status"] == status and (code is None or error["code"] == code) and error["message"]
    assert len(hub.messages()) == before


def test_clients_that_leave_or_speak_nonsense_change_nothing(hub: ServedHub) -> None:
    before = len(hub.messages())
    with connect(hub) as sock:
        sock.sendall(EDI_POST + b"Content-Length: 1000\r\n\r\n" + b"x" * 10)  # then leaves
    with connect(hub) as sock:
        sock.sendall(b"\x16\x03\x01 this is not HTTP\r\n\r\n")
        [(status, _)] = answers(sock, 1)
    assert status == 400
    assert requests.get(f"{hub.url}/healthz", timeout=30).status_code == 200
    assert len(hub.messages()) == before
