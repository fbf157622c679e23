"""A segment's elements in the tree: keyed by position, empty ones left out, composites split, however long."""

from __future__ import annotations

import pytest

from hub.edi.tree import segment_data


@pytest.mark.parametrize(
    ("elements", "composites", "expected"),
    [
        (("00", "SA", "PO1", "", "20240115"), frozenset(), {"01": "00", "02": "SA", "03": "PO1", "05": "20240115"}),
        (("", "", ""), frozenset(), {}),
        (("ZZ", "A>B>", ""), frozenset({1, 2}), {"01": "ZZ", "02": ["A", "B", ""]}),  # an empty composite: absent
        (("ZZ", "A"), frozenset({1, 5}), {"01": "ZZ", "02": ["A"]}),  # a composite position past the end
    ],
)
def test_elements_keyed_by_position(elements: tuple[str, ...], composites: frozenset[int], expected: dict) -> None:
    result = segment_data(elements, composites, ">")
    assert result == expected
    assert list(result) == sorted(result)  # in element order, as mappings and edi parse show them


def test_a_segment_of_more_than_99_elements_keeps_every_one() -> None:
    elements = tuple(f"V{n}" if n % 3 else "" for n in range(1, 131))
    result = segment_data(elements, frozenset({118}), ">")
    assert result["02"] == "V2" and "03" not in result
    assert result["100"] == "V100" and result["119"] == ["V119"] and "129" not in result
    assert len(result) == 87 and list(result) == sorted(result, key=int)
