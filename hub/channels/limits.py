"""Limits on what a channel's body may hold, checked before the code leans on it.

A valid signature proves who sent a body, not that it is sane: a sender's bug (or a leaked secret) can deliver
JSON nested a thousand levels deep, a number with thousands of digits, or a list where the code expects the
event's name. Python's own limits would then surface as RecursionError, ValueError or OverflowError from deep
inside processing. Here each becomes a ``MappingInputError`` that names the path, so the message fails with a
reason an operator can read and nothing else is touched.

- Nesting deeper than ``MAX_DEPTH`` is refused. The parsed data is walked level by level (cheap: a few dozen
  containers in an order); only a body found too deep, one the parser could not follow (its own recursion
  limit) or one that is not JSON at all has its text scanned, to say where the nesting went too deep.
- Integers longer than ``MAX_INTEGER_DIGITS`` (ids are at most 20 digits: an unsigned 64-bit number), numbers
  written longer than ``MAX_NUMBER_LENGTH``, numbers too large for a float, and ``NaN``/``Infinity`` are refused.
- Values the code branches on (topics, event types, ids) are read through ``text_value`` and ``numeric_id``.
"""

from __future__ import annotations

import json
import math
import re
from functools import partial
from typing import Any

from hub.mapping import MappingInputError

MAX_DEPTH = 64
MAX_INTEGER_DIGITS = 20
MAX_NUMBER_LENGTH = 40
MAX_TOPIC_LENGTH = 128  # inbox_messages.topic
MAX_ID_DIGITS = 20
_INTEGER_BOUND = 10**MAX_INTEGER_DIGITS

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
# Text that JSON can carry but nothing downstream can keep: a lone surrogate (an escape like \ud800 alone is no
# character and cannot be encoded as UTF-8) and NUL (\u0000, which PostgreSQL's jsonb and text refuse, while
# SQLite would keep it: the same message must not succeed on one backend and fail on the other).
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class _Refused(str):
    """Stands in for a number the parser was told to refuse, until its path is known."""

    __slots__ = ("reason",)
    reason: str


def _refused(token: str, reason: str) -> _Refused:
    marker = _Refused(token[:24])
    marker.reason = reason
    return marker


def load_json(text: str) -> Any:
    """``json.loads`` within the limits above; MappingInputError (naming where) for anything past them."""
    # The common body first: the C parser reads integers itself (a Python call per number costs more than
    # the parse), and the walk that checks the depth also looks at each integer's size. Anything out of the
    # ordinary is read again the careful way below, which says what is wrong.
    refused: list[bool] = []
    try:
        data = json.loads(text, parse_float=partial(_float, refused), parse_constant=partial(_constant, refused))
    except (RecursionError, ValueError):
        return _load_checked(text)
    if refused or _too_deep_or_too_long(data):
        return _load_checked(text)
    if _UNSTORABLE_ESCAPE.search(text) is not None:
        _raise_first_problem(data, True)
    return data


def _float(refused: list[bool], token: str) -> float:
    value = float(token)
    if len(token) > MAX_NUMBER_LENGTH or not math.isfinite(value):
        refused.append(True)
    return value


def _constant(refused: list[bool], token: str) -> float:
    refused.append(True)
    return float(token)


def _too_deep_or_too_long(data: Any) -> bool:
    """``too_deep`` that also says whether an integer has more digits than ``MAX_INTEGER_DIGITS``."""
    level, depth = [data], 0
    while level:
        nested: list[Any] = []
        containers = False
        for value in level:
            kind = type(value)
            if kind is dict:
                containers = True
                nested.extend(value.values())
            elif kind is list:
                containers = True
                nested.extend(value)
            elif kind is int and not -_INTEGER_BOUND < value < _INTEGER_BOUND:
                return True
        if not containers:
            return False
        depth += 1
        if depth > MAX_DEPTH:
            return True
        level = nested
    return False


def _load_checked(text: str) -> Any:
    """``load_json`` with every number read through the limits' checks."""
    refused: list[bool] = []

    def parse_int(token: str) -> int | _Refused:
        digits = len(token) - token.startswith("-")
        if digits > MAX_INTEGER_DIGITS:
            refused.append(True)
            return _refused(token, f"an integer of {digits} digits (at most {MAX_INTEGER_DIGITS})")
        return int(token)

    def parse_float(token: str) -> float | _Refused:
        if len(token) > MAX_NUMBER_LENGTH:
            refused.append(True)
            return _refused(token, f"a number written with {len(token)} characters (at most {MAX_NUMBER_LENGTH})")
        value = float(token)
        if not math.isfinite(value):
            refused.append(True)
            return _refused(token, f"the number {token} is too large")
        return value

    def parse_constant(token: str) -> _Refused:
        refused.append(True)
        return _refused(token, f"{token} is not a JSON number")

    try:
        data = json.loads(text, parse_int=parse_int, parse_float=parse_float, parse_constant=parse_constant)
    except RecursionError:
        _check_depth(text)
        raise MappingInputError(f"body is nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        _check_depth(text)  # too deep is the first thing said about a body, valid or not
        raise MappingInputError(f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if too_deep(data):
        _check_depth(text)
    unstorable = _UNSTORABLE_ESCAPE.search(text) is not None
    if refused or unstorable:
        _raise_first_problem(data, unstorable)
    return data


def too_deep(data: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether arrays and objects nest more than ``limit`` levels (walked level by level, not recursively, so a
    deep value cannot exhaust the stack); the API's bodies are held to the same limit."""
    level, depth = [data], 0
    while level := [value for value in level if isinstance(value, dict | list)]:
        depth += 1
        if depth > limit:
            return True
        level = [item for value in level for item in (value.values() if isinstance(value, dict) else value)]
    return False


def _check_depth(text: str) -> None:
    """Raise MappingInputError naming the line and column where the text nests past ``MAX_DEPTH``."""
    # Cheap path first: strings out, then everything but brackets out, then one pass over the brackets.
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", text))
    if len(brackets) <= MAX_DEPTH:
        return
    depth = 0
    for char in brackets:
        depth += 1 if char in "[{" else -1
        if depth > MAX_DEPTH:
            break
    else:
        return
    depth = 0
    for match in _STRUCTURE.finditer(text):  # again, slowly, only to say where
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, match.start()) + 1
                column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
                raise MappingInputError(f"body is nested deeper than {MAX_DEPTH} levels (line {line} column {column})")
        elif char in "]}":
            depth -= 1


def _raise_first_problem(data: Any, texts: bool) -> None:
    """The first refused number (with ``texts``: or unstorable text) in document order, by its path."""
    stack: list[tuple[Any, str]] = [(data, "$")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, _Refused):
            raise MappingInputError(f"{value.reason} at {path}")
        if texts and isinstance(value, str) and _UNSTORABLE.search(value):
            raise MappingInputError(f"text at {path} {_unstorable(value)}")
        if isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                if texts and _UNSTORABLE.search(key):
                    raise MappingInputError(f"a key in {path} {_unstorable(key)}")
                stack.append((item, f"{path}.{_shown_key(key)}"))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{index}]") for index, item in reversed(list(enumerate(value))))


def _unstorable(text: str) -> str:
    if "\x00" in text:
        return "holds a NUL character (\\u0000), which cannot be stored"
    return "is not valid Unicode (a lone surrogate escape such as \\ud800)"


def _shown_key(key: str) -> str:
    return key if len(key) <= 40 else key[:37] + "..."


def describe(value: Any) -> str:
    """A value's type as a reader knows it (``text``, ``a list``), for error messages that never echo big input."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return f"text of {len(value)} characters" if len(value) > 60 else repr(value)
    if isinstance(value, int | float):
        return "a number"
    return {"dict": "an object", "list": "a list"}.get(type(value).__name__, type(value).__name__)


def text_value(value: Any, path: str, *, max_length: int = MAX_TOPIC_LENGTH) -> str:
    """``value`` as non-empty, printable text of at most ``max_length`` characters (an event type, a topic);
    MappingInputError naming ``path`` otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise MappingInputError(f"{path} must be text, found {describe(value)}")
    if len(value) > max_length or not value.isprintable():
        raise MappingInputError(f"{path} must be printable text of at most {max_length} characters")
    return value


def is_ascii_digits(text: str, max_digits: int = MAX_ID_DIGITS) -> bool:
    """Only 0-9, one to ``max_digits`` of them. ``str.isdigit`` is not enough: it accepts "²" and "١", which
    ``int()`` then refuses or reads as another number."""
    return 0 < len(text) <= max_digits and text.isascii() and text.isdigit()


def numeric_id(value: Any) -> int | None:
    """A positive whole id from a JSON number or ASCII digits (at most 20); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 10**MAX_ID_DIGITS else None
    if isinstance(value, str) and is_ascii_digits(value.strip()):
        number = int(value.strip())
        return number if number > 0 else None
    return None
