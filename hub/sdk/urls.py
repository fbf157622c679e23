"""The check every connector's URL setting needs before the connector sends a credential to it.

A partner URL is http(s) with a host, carries no user or password (they would leak into logs with the URL)
and no query or fragment (the connector appends paths to it), and its port, when given, is a port. A
connector's ``Config`` calls ``partner_url`` from its own field validator, then adds what its partner needs
beside (a store path, HTTPS off loopback).
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit


def split_partner_url(value: str, example: str) -> SplitResult:
    """``value`` split, or a ``ValueError`` saying what is wrong with it (``example`` is a URL it could be)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an http(s) URL such as {example}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("must not carry credentials, a query or a fragment")
    try:
        parts.port  # noqa: B018 - reading it validates the port
    except ValueError:
        raise ValueError("has an invalid port") from None
    return parts


def partner_url(value: str, example: str) -> str:
    """``value`` checked (``split_partner_url``), without surrounding blanks or a trailing slash."""
    split_partner_url(value, example)
    return value.strip().rstrip("/")
