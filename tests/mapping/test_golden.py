"""Every shipped mapping runs against its golden cases: ``mappings/<dir>/<name>.cases/<case>.in.json`` must
produce ``<case>.out.json`` exactly, or fail with a message containing ``<case>.error.txt``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.mapping import MappingInputError, load_mapping

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
CASES = sorted(MAPPINGS.glob("**/*.cases/*.in.json"))


def _case_id(path: Path) -> str:
    return f"{path.parent.relative_to(MAPPINGS).as_posix().removesuffix('.cases')}:{path.name.removesuffix('.in.json')}"


def test_every_mapping_has_golden_cases() -> None:
    mappings = [path for suffix in ("yaml", "yml", "json") for path in MAPPINGS.glob(f"**/*.{suffix}")]
    mappings = [path for path in mappings if ".cases" not in path.parent.name]
    for mapping in mappings:
        cases = mapping.with_suffix(".cases")
        assert cases.is_dir() and any(cases.glob("*.in.json")), f"{mapping.relative_to(MAPPINGS)} has no golden cases"
        load_mapping(mapping.relative_to(MAPPINGS).with_suffix("").as_posix())  # and it loads


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_golden_case(case: Path) -> None:
    name = case.parent.relative_to(MAPPINGS).as_posix().removesuffix(".cases")
    mapping = load_mapping(name)
    data = json.loads(case.read_text(encoding="utf-8"))
    stem = case.name.removesuffix(".in.json")
    expected_error = case.with_name(f"{stem}.error.txt")
    if expected_error.exists():
        with pytest.raises(MappingInputError) as info:
            mapping(data)
        assert expected_error.read_text(encoding="utf-8").strip() in str(info.value)
        return
    expected = json.loads(case.with_name(f"{stem}.out.json").read_text(encoding="utf-8"))
    assert mapping(data).model_dump(mode="json") == expected
