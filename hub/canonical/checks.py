"""Consistency checks several documents share; each says what is wrong and what would fix it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from pydantic import BaseModel


def require_reference(line_id: str | None, sku: str | None, identifiers: Mapping[str, str]) -> None:
    """Refuse an item line that names no line, SKU or identifier, since nothing could match it."""
    if line_id is None and sku is None and not identifiers:
        raise ValueError("item must name a line_id, a sku or at least one identifier so it can be matched")


def require_one_of(owner: BaseModel, names: Iterable[str], purpose: str) -> None:
    """Refuse a document where every field in ``names`` is unset; ``purpose`` says why one is needed."""
    names = list(names)
    if all(getattr(owner, name) is None for name in names):
        raise ValueError(f"at least one of {', '.join(names)} is required {purpose}")


def duplicate_problem(values: Iterable[str | None], field: str, scope: str) -> str | None:
    """A sentence naming repeated values of ``field`` (None values ignored), or None when all are unique."""
    present = [value for value in values if value is not None]
    if len(set(present)) == len(present):  # the rule: no counting needed
        return None
    counts = Counter(present)
    repeated = [value for value, count in counts.items() if count > 1]
    if not repeated:
        return None
    return f"{field} must be unique within the {scope}; repeated: {', '.join(repeated)}"


def raise_problems(*problems: str | None) -> None:
    """Raise one ValueError listing every problem found, so a document can be fixed in one pass."""
    found = [problem for problem in problems if problem]
    if found:
        raise ValueError(" | ".join(found))
