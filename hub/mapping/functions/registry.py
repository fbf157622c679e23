"""The registry of functions mapping files may ``call``.

Register with ``@mapping_function("name")`` in a module of this package (``core.py`` for general ones, one
module per channel for channel-specific conversions); every module here is imported when the registry is
first used. Arguments arrive already evaluated (None for missing input) and are untrusted: check their types
before using them. Return None for "no value"; raise ``ValueError`` with a plain message for input that cannot
be converted (an ``ArithmeticError`` from numbers too large is reported too, less readably).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

from hub.mapping.errors import MappingFileError

FUNCTIONS: dict[str, Callable[..., Any]] = {}


def mapping_function(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        if name in FUNCTIONS:
            raise RuntimeError(f"mapping function {name!r} is registered twice")
        FUNCTIONS[name] = function
        return function

    return register


def _load_all() -> None:
    from hub.mapping import functions

    for module in pkgutil.iter_modules(functions.__path__):
        importlib.import_module(f"{functions.__name__}.{module.name}")


def get_function(name: str) -> Callable[..., Any]:
    if name not in FUNCTIONS:
        _load_all()
    if name not in FUNCTIONS:
        raise MappingFileError(f"unknown function {name!r}; known functions: {', '.join(sorted(FUNCTIONS))}")
    return FUNCTIONS[name]
