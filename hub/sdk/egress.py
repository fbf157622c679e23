"""HTTP to addresses someone else chose, refusing the hub's own network (SSRF).

A subscriber's URL is typed in by a person the hub does not fully trust. Without a guard, a URL such as
``http://169.254.169.254/latest/meta-data/`` or a public name whose DNS answer is ``127.0.0.1`` would make the
hub read its own cloud credentials or admin ports on the caller's behalf. The check is made where the socket is
opened, on the address actually connected to, so it holds for every redirect (each new host opens a new
connection) and cannot be raced by DNS answering differently between a check and the connect (the address
checked is the address used; TLS still verifies the certificate against the URL's host name).

Only globally routable unicast addresses pass (``ipaddress``'s ``is_global``): loopback, RFC 1918 and
unique-local ranges, link-local (cloud metadata), carrier-grade NAT, multicast and reserved ranges are refused,
also when written as IPv4-mapped IPv6. An operator may allow private addresses for one destination explicitly
(an on-premises ERP, the tests' loopback servers).
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

MAX_REDIRECTS = 5

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class EgressRefused(Exception):
    """The URL leads to an address the hub does not send to; the message names the host and the address."""


def refusal(address: Address) -> str | None:
    """Why ``address`` is not a public destination, or None when it is one."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (cloud metadata lives there)"
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return "not a unicast address"
    if not address.is_global:
        return "a private address"
    return None


def resolve(host: str, port: int, *, allow_private: bool = False) -> list[tuple[Any, ...]]:
    """``getaddrinfo`` answers for ``host``, refused as a whole when any of them is not public: a name that
    resolves to one public and one private address is as dangerous as one that resolves to the private one."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise EgressRefused(f"{host} does not resolve: {error.strerror}") from error
    if not allow_private:
        for *_, sockaddr in answers:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            reason = refusal(address)
            if reason is not None:
                raise EgressRefused(f"{host} resolves to {address}, {reason}: refused")
    return answers


def _connect(host: str, port: int, timeout: Any, allow_private: bool) -> socket.socket:
    last: OSError | None = None
    for family, kind, proto, _, sockaddr in resolve(host, port, allow_private=allow_private):
        sock = socket.socket(family, kind, proto)
        try:
            if isinstance(timeout, (int, float)):  # urllib3 passes a sentinel when no timeout was set
                sock.settimeout(timeout)
            sock.connect(sockaddr)
            return sock
        except OSError as error:
            sock.close()
            last = error
    raise last or OSError(f"no address of {host} accepted a connection")


class _GuardedHTTP(HTTPConnection):
    allow_private = False

    def _new_conn(self) -> socket.socket:
        return _connect(self._dns_host, self.port, self.timeout, self.allow_private)


class _GuardedHTTPS(HTTPSConnection):
    allow_private = False

    def _new_conn(self) -> socket.socket:
        return _connect(self._dns_host, self.port, self.timeout, self.allow_private)


class GuardedAdapter(HTTPAdapter):
    """An adapter whose every connection is checked by ``resolve`` before it is opened."""

    def __init__(self, *, allow_private: bool = False, **kwargs: Any) -> None:
        self.allow_private = allow_private
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        flag = {"allow_private": self.allow_private}
        http = type("GuardedHTTP", (_GuardedHTTP,), flag)
        https = type("GuardedHTTPS", (_GuardedHTTPS,), flag)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
        }


def guarded_session(*, allow_private: bool = False) -> requests.Session:
    """A ``requests`` session that refuses non-public addresses (unless ``allow_private``), follows at most
    ``MAX_REDIRECTS`` redirects, and ignores proxy settings from the environment (a proxy would connect on
    the hub's behalf to an address this guard never saw)."""
    session = requests.Session()
    session.trust_env = False
    session.max_redirects = MAX_REDIRECTS
    adapter = GuardedAdapter(allow_private=allow_private)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
