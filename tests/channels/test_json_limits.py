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
