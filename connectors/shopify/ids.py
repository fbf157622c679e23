"""Shopify's global ids: the numeric ids a webhook carries (kept on the canonical order) as ``gid://`` ids."""

from __future__ import annotations

from hub.sdk import PermanentError


def gid(kind: str, value: str | None, what: str) -> str:
    """``gid://shopify/<kind>/<id>`` for a numeric id (one already global passes as it is)."""
    text = (value or "").strip()
    if text.startswith("gid://shopify/"):
        return text
    if not text.isdigit():
        raise PermanentError(f"{what} {value!r} is not a Shopify id")
    return f"gid://shopify/{kind}/{text}"
