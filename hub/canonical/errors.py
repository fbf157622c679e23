"""Errors raised by the canonical model.

    ValueError
     ├── CurrencyMismatchError     Money in different currencies was added or subtracted
     └── DocumentValidationError   JSON data does not match a committed canonical JSON Schema
    KeyError
     └── UnknownDocumentError      a document name such as "order.v9" is not registered

A document whose amounts are in the wrong currency is not a CurrencyMismatchError but an ordinary
pydantic ValidationError whose message names each offending path (``lines[1].tax is in EUR``).
"""

from __future__ import annotations

from collections.abc import Sequence


class CurrencyMismatchError(ValueError):
    """Money in one currency was combined with money in another."""


class UnknownDocumentError(KeyError):
    """A canonical document name is not registered."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        self.name = name
        self.known = tuple(known)
        super().__init__(name)

    def __str__(self) -> str:
        # KeyError's own __str__ shows the repr of its argument; a full sentence reads better.
        return f"unknown canonical document {self.name!r}; known documents: {', '.join(self.known)}"


class DocumentValidationError(ValueError):
    """JSON data does not satisfy a canonical document's JSON Schema.

    ``problems`` holds one ``(path, message)`` pair per failure, path written like
    ``lines[0].unit_price.amount`` (``<document>`` for the top level).
    """

    def __init__(self, name: str, problems: Sequence[tuple[str, str]]) -> None:
        self.name = name
        self.problems = tuple(problems)
        listing = "\n".join(f"  {path}: {message}" for path, message in self.problems)
        count = len(self.problems)
        super().__init__(f"{name}: {count} problem{'s' if count != 1 else ''}\n{listing}")
