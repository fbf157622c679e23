"""The egress guard: subscriber URLs never reach the hub's own network, by address, by DNS name or by redirect."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import requests

from hub.sdk import EgressRefused, egress, guarded_session


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",  # noqa: S104 - an address to refuse, not one to bind
        "224.0.0.1",
        "::1",
        "fc00::1",
        "fd00:ec2::254",  # a cloud metadata address in unique-local space
        "fe80::1",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert egress.refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert egress.refusal(ipaddress.ip_address(address)) is None


class _Handler(BaseHTTPRequestHandler):
    redirect_to: str | None = None
    hits: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server naming
        type(self).hits.append(self.path)
        if self.redirect_to:
            self.send_response(307)
            self.send_header("Location", self.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def _serve(host: str, redirect_to: str | None = None) -> tuple[HTTPServer, type[_Handler]]:
    handler = type("Handler", (_Handler,), {"redirect_to": redirect_to, "hits": []})
    server = HTTPServer((host, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, handler


@pytest.fixture
def private_server() -> Iterator[tuple[str, type[_Handler]]]:
    server, handler = _serve("127.0.0.1")
    yield f"http://127.0.0.1:{server.server_port}/hook", handler
    server.shutdown()


def test_a_loopback_url_is_refused_before_anything_is_sent(private_server: tuple[str, type[_Handler]]) -> None:
    url, handler = private_server
    with pytest.raises(EgressRefused, match="loopback"):
        guarded_session().post(url, data=b"{}", timeout=5)
    assert handler.hits == []


def test_an_ipv6_loopback_url_is_refused() -> None:
    with pytest.raises(EgressRefused, match="::1"):
        guarded_session().post("http://[::1]:9/hook", data=b"{}", timeout=5)


def test_a_name_that_resolves_to_loopback_is_refused(
    private_server: tuple[str, type[_Handler]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, handler = private_server
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    real = socket.getaddrinfo

    def lying_dns(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "hooks.example.com":
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lying_dns)
    with pytest.raises(EgressRefused, match="hooks.example.com resolves to 127.0.0.1"):
        guarded_session().post(f"http://hooks.example.com:{port}/hook", data=b"{}", timeout=5)
    assert handler.hits == []


def test_a_public_url_that_redirects_to_a_private_one_is_refused_at_the_redirect(
    private_server: tuple[str, type[_Handler]], monkeypatch: pytest.MonkeyPatch
) -> None:
    private_url, private_handler = private_server
    # 127.0.0.2 stands in for a public host: the guard is told to treat exactly that address as public
    public, public_handler = _serve("127.0.0.2", redirect_to=private_url)
    real_refusal = egress.refusal
    monkeypatch.setattr(egress, "refusal", lambda a: None if str(a) == "127.0.0.2" else real_refusal(a))
    try:
        with pytest.raises(EgressRefused, match="127.0.0.1"):
            guarded_session().post(f"http://127.0.0.2:{public.server_port}/hook", data=b"{}", timeout=5)
    finally:
        public.shutdown()
    assert public_handler.hits == ["/hook"]  # the public host was asked
    assert private_handler.hits == []  # the private one never was


def test_an_operator_may_allow_private_addresses(private_server: tuple[str, type[_Handler]]) -> None:
    url, handler = private_server
    assert guarded_session(allow_private=True).post(url, data=b"{}", timeout=5).status_code == 204
    assert handler.hits == ["/hook"]


def test_environment_proxies_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://10.0.0.1:3128")
    session = guarded_session()
    assert session.trust_env is False
    assert isinstance(session.get_adapter("http://x.example"), requests.adapters.HTTPAdapter)
