"""Requests for units per order line (``{line_id: units}``), checked against what a document holds.

Fulfillment orders and returns both take such requests (ship these units, receive those); one check gives
them the same refusals: a line the document does not hold, a count that is not a positive whole number, or
more units than are available for the action.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hub.lifecycle.errors import QuantityRejected, UnknownReference


def checked_units(
    subject: str, requested: Mapping[str, int], available: Mapping[str, int], *, action: str, units: str
) -> dict[str, int]:
    """``requested`` if every line is known and has the units; ``subject`` and ``units`` word the refusals.

    ``available`` maps each line the document holds to how many of its units ``action`` could take.
    """
    if not requested:
        raise QuantityRejected(f"{subject}: nothing to {action}: name at least one line and its units")
    require_known_lines(subject, requested, available)
    for line_id, count in requested.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise QuantityRejected(
                f"{subject}: cannot {action} {count!r} units of line {line_id!r}: give a whole number of at least 1"
            )
        if count > available[line_id]:
            raise QuantityRejected(
                f"{subject}: cannot {action} {count} unit(s) of line {line_id!r}: "
                f"only {available[line_id]} {'is' if available[line_id] == 1 else 'are'} {units}"
            )
    return dict(requested)


def require_known_lines(subject: str, named: Iterable[str], known: Iterable[str]) -> None:
    """``UnknownReference`` for the first line in ``named`` that is not in ``known``."""
    lines = list(known)
    for line_id in named:
        if line_id not in lines:
            raise UnknownReference(f"{subject}: has no line {line_id!r}; its lines: {', '.join(lines)}")
