"""Errors of the mapping layer; each names where it happened, so a user can fix the input or the mapping."""

from __future__ import annotations


class MappingError(Exception):
    """Base of mapping failures."""


class MappingFileError(MappingError):
    """A mapping file is malformed (unknown operation, bad table, unknown function ...)."""


class MappingInputError(MappingError):
    """The input does not fit the mapping; ``field`` is the output field, ``source`` the input path."""

    def __init__(self, message: str, *, field: str = "", source: str = "") -> None:
        self.message = message
        self.field = field
        self.source = source
        where = " ".join(
            part for part in (f"field {field}" if field else "", f"(from {source})" if source else "") if part
        )
        super().__init__(f"{where}: {message}" if where else message)
