"""How channel API answers become hub.sdk errors, against a real HTTP server on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from hub.channels.accounts import AccountContext
from hub.sdk.errors import ConfigurationError, PermanentError, TransientError


@Request.application
def api(request: Request) -> Response:
    answers = {
        "/empty": Response(status=204),
        "/blank": Response("", status=200),
        "/json": Response('{"ok": true}', content_type="application/json"),
        "/html": Response("<html>maintenance</html>", status=200),
        "/slow-down": Response("", status=429, headers={"Retry-After": "12"}),
        "/gone": Response("no such order", status=404),
        "/denied": Response("bad token", status=401),
    }
    return answers.get(request.path, Response(status=500))


@pytest.fixture
def account() -> Iterator[AccountContext]:
    server = make_server("127.0.0.1", 0, api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield AccountContext("demo", "acct", {"base_url": f"http://127.0.0.1:{server.server_port}"})
    server.shutdown()


def test_answers_with_and_without_content(account: AccountContext) -> None:
    assert account.request_json("GET", "json")[0] == {"ok": True}
    assert account.request_json("GET", "empty")[0] is None
    assert account.request_json("GET", "blank")[0] is None
    with pytest.raises(TransientError, match="body that is not JSON"):
        account.request_json("GET", "html")


def test_failures_are_classified(account: AccountContext) -> None:
    with pytest.raises(TransientError) as slow:
        account.request_json("GET", "slow-down")
    assert slow.value.retry_after == 12.0
    with pytest.raises(PermanentError, match="HTTP 404"):
        account.request_json("GET", "gone")
    with pytest.raises(ConfigurationError, match="HTTP 401"):
        account.request_json("GET", "denied")
    with pytest.raises(TransientError, match="HTTP 500"):
        account.request_json("GET", "anything-else")


def test_unreachable_and_malformed_requests(account: AccountContext) -> None:
    with pytest.raises(TransientError, match="unreachable"):
        account.request_json("GET", "http://127.0.0.1:1/orders")
    with pytest.raises(ConfigurationError, match="request is invalid"):
        account.request_json("GET", "http://[::1/orders")
