"""One readable sentence from a pydantic ValidationError: every refused field with its path.

Used for stock snapshots and for orders given to ``orderhub route simulate``, so a user sees
``locations[1].stock.SKU-1.available: Input should be a valid integer`` rather than pydantic's report.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


def field_path(loc: tuple[Any, ...]) -> str:
    """``("lines", 0, "quantity")`` -> ``lines[0].quantity``; the empty path is ``(top level)``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def describe(exc: ValidationError, limit: int = 5) -> str:
    """The first ``limit`` problems as ``path: message`` joined by ``; `` (and how many more there are)."""
    errors = exc.errors()
    shown = [f"{field_path(error['loc'])}: {error['msg'].removeprefix('Value error, ')}" for error in errors[:limit]]
    more = len(errors) - limit
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
