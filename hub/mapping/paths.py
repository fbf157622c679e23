"""Input paths in mapping files: ``customer.email``, ``line_items[0].sku``, ``$.currency``.

A path is read relative to the current item (inside ``each``) unless it starts with ``$``, the whole input.
Missing keys, nulls and out-of-range indexes read as None; a path through a scalar is the input's error.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from hub.mapping.errors import MappingFileError, MappingInputError

_SEGMENT = re.compile(r"([^.\[\]]+)|\[(-?\d+)\]")


@lru_cache(maxsize=4096)
def parse_path(path: str) -> tuple[bool, tuple[str | int, ...]]:
    """``"$.a.b[0]"`` -> (True, ("a", "b", 0)); the flag says the path starts at the input's root."""
    text = path.strip()
    from_root = text == "$" or text.startswith("$.") or text.startswith("$[")
    if from_root:
        text = text[1:].lstrip(".")
    parts: list[str | int] = []
    position = 0
    while position < len(text):
        if text[position] == ".":
            position += 1
        match = _SEGMENT.match(text, position)
        if not match:
            raise MappingFileError(f"path {path!r} is malformed at character {position + 1}")
        parts.append(match.group(1) if match.group(1) is not None else int(match.group(2)))
        position = match.end()
    return from_root, tuple(parts)


def read_path(root: Any, current: Any, path: str) -> Any:
    from_root, parts = parse_path(path)
    return read_parts(root if from_root else current, parts, path)


def read_parts(value: Any, parts: tuple[str | int, ...], path: str) -> Any:
    """Follow already parsed ``parts`` from ``value``; ``path`` is only for the error message."""
    for part in parts:
        if value is None:
            return None
        if isinstance(part, int):
            if not isinstance(value, list):
                raise MappingInputError(
                    f"expected a list to index with [{part}], found {type(value).__name__}", source=path
                )
            value = value[part] if -len(value) <= part < len(value) else None
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            raise MappingInputError(f"expected an object with key {part!r}, found {type(value).__name__}", source=path)
    return value
