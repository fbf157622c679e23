"""What a field gets when the input is blank, empty or missing, through every way a mapping can read a value.

The compiled mapping takes shortcuts for the common shapes (a path read, a call with one argument, a default
alone); each must leave out exactly what the general form leaves out.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from hub.mapping import parse_mapping
from hub.mapping.functions import core

MAPPING = """
document: order.v1
fields:
  copied: {copy: seg.01}
  copied_key: {copy: text}
  copied_list: {copy: items}
  path_list: items
  path_text: seg.01
  defaulted: {copy: seg.01, default: EA}
  defaulted_call: {call: x12_first, args: [texts], default: none}
  called: {call: x12_first, args: [texts]}
  called_list: {call: x12_first, args: [lists]}
  called_two: {call: join, args: [seg.01, text]}
  coerced: {copy: seg.02, as: integer}
  nested: {fields: {inner: {copy: seg.01}}}
"""


def run(data: dict[str, Any]) -> dict[str, Any]:
    return parse_mapping("presence", MAPPING).run(data)


def test_blank_text_and_empty_lists_are_left_out_as_missing() -> None:
    data = {"seg": {"01": "   ", "02": " 7 "}, "text": "\t", "items": [], "texts": [" "], "lists": [[]]}
    assert run(data) == {
        "path_list": [],  # a bare path gives the list as it is; `copy` treats an empty one as missing
        "defaulted": "EA",
        "defaulted_call": "none",
        "coerced": 7,
    }


def test_text_is_trimmed_and_other_values_kept() -> None:
    data = {"seg": {"01": " EA ", "02": "12"}, "text": " x ", "items": [0], "texts": [" a "], "lists": [[1]]}
    assert run(data) == {
        "copied": "EA",
        "copied_key": "x",
        "copied_list": [0],
        "path_list": [0],
        "path_text": "EA",
        "defaulted": "EA",
        "defaulted_call": "a",
        "called": "a",
        "called_list": [1],
        "called_two": "EA x",
        "coerced": 12,
        "nested": {"inner": "EA"},
    }


def test_values_that_are_not_text_pass_through_a_path_read() -> None:
    data = {"seg": {"01": 0, "02": 3}, "text": False, "items": {"a": 1}, "texts": [0], "lists": [{}]}
    result = run(data)
    assert (result["copied"], result["copied_key"], result["copied_list"], result["path_text"]) == (
        0,
        False,
        {"a": 1},
        0,
    )
    assert (result["called"], result["called_list"], result["coerced"]) == (0, {}, 3)


def test_numbers_read_from_text_stay_exact_and_their_table_stays_small() -> None:
    for n in range(3 * core._READ_KEPT):
        assert core.to_decimal(f"{n}.{n % 100:02d}") == Decimal(n) + Decimal(n % 100) / 100
        assert len(core._READ) <= core._READ_KEPT
    assert str(core.to_decimal("-0.00")) == "-0.00"  # read as written, the first time and every time after
    assert str(core.to_decimal("-0.00")) == "-0.00"
    assert core.to_decimal("") is None
    for _ in range(2):
        with pytest.raises(ValueError, match="expected a number"):
            core.to_decimal("12,50")
