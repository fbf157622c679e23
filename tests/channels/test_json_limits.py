"""Bodies read within the nesting limit: 64 levels are read, 65 are refused with the line and column where the
nesting went too deep, whether the body is valid JSON, too deep for the parser itself, or not JSON at all."""

from __future__ import annotations

import pytest

from hub.channels.limits import MAX_DEPTH, load_json
from hub.mapping import MappingInputError


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_a_body_nested_to_the_limit_is_read() -> None:
    text = '{"a": ' + nested(MAX_DEPTH - 1) + "}"
    data = load_json(text)
    for _ in range(MAX_DEPTH - 1):
        data = data["a"] if isinstance(data, dict) else data[0] if data else data
    assert data == []


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ('{"a": ' + nested(MAX_DEPTH) + "}", 7 + MAX_DEPTH - 1),  # parsed, then found too deep
        ("\n  " + nested(5000), 3 + MAX_DEPTH),  # deeper than the parser follows
        ('{"a": ' + "[" * (MAX_DEPTH + 1), 7 + MAX_DEPTH - 1),  # not JSON, and too deep first
    ],
)
def test_a_body_nested_past_the_limit_is_refused_where_it_goes_too_deep(text: str, column: int) -> None:
    line = text.count("\n", 0, text.index("[")) + 1
    with pytest.raises(
        MappingInputError, match=rf"nested deeper than {MAX_DEPTH} levels \(line {line} column {column}\)"
    ):
        load_json(text)


def test_brackets_inside_text_do_not_count() -> None:
    text = '{"note": "' + "[" * 500 + '"}'
    assert load_json(text) == {"note": "[" * 500}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('{"id": 123456789012345678901}', r"an integer of 21 digits \(at most 20\) at \$\.id"),
        ('{"a": [1, -123456789012345678901]}', r"an integer of 21 digits \(at most 20\) at \$\.a\[1\]"),
        ('{"w": 1e400}', r"the number 1e400 is too large at \$\.w"),
        ('{"w": 0.' + "1" * 40 + "}", r"a number written with 42 characters \(at most 40\) at \$\.w"),
        ('{"w": -Infinity}', r"-Infinity is not a JSON number at \$\.w"),
        ('{"a": [1, 2], "b": "x\\u0000"}', r"text at \$\.b holds a NUL character"),
    ],
)
def test_a_number_or_text_past_the_limits_is_refused_naming_where(text: str, error: str) -> None:
    with pytest.raises(MappingInputError, match=error):
        load_json(text)


def test_numbers_at_the_limits_are_read_as_numbers() -> None:
    biggest = "9" * 20
    text = f'{{"id": {biggest}, "low": -{biggest}, "w": 0.{"1" * 38}, "e": 1e300, "note": "{"9" * 60} NaN"}}'
    assert load_json(text) == {
        "id": int(biggest),
        "low": -int(biggest),
        "w": float("0." + "1" * 38),
        "e": 1e300,
        "note": "9" * 60 + " NaN",
    }
