"""Every shipped mapping runs against its golden cases: ``mappings/<dir>/<name>.cases/<case>.in.json`` must
produce ``<case>.out.json`` exactly, or fail with a message containing ``<case>.error.txt``. A mapping written
for a fragment (a channel topic shows it as a partial) produces the partial ``orderhub normalize`` prints.

``mappings/<channel>/responses.cases/`` hold bodies exactly as a channel's API answers them, with no topic: each
must be recognised and normalized into ``<case>.out.json`` (what ``orderhub normalize`` prints), or fail with
``<case>.error.txt``; every documented response a channel declares has at least one such case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.channels.normalize import normalize
from hub.channels.partial import ALL, partial_document
from hub.channels.registry import all_channels, get_channel
from hub.mapping import MappingError, MappingInputError, load_mapping

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
RESPONSES = "responses.cases"
CASES = sorted(path for path in MAPPINGS.glob("**/*.cases/*.in.json") if path.parent.name != RESPONSES)
RESPONSE_CASES = sorted(MAPPINGS.glob(f"*/{RESPONSES}/*.in.json"))
PARTIAL_MAPPINGS = {
    topic.mapping for channel in all_channels().values() for topic in channel.topics.values() if topic.partial == ALL
}


def _case_id(path: Path) -> str:
    return f"{path.parent.relative_to(MAPPINGS).as_posix().removesuffix('.cases')}:{path.name.removesuffix('.in.json')}"


def _expected(case: Path) -> tuple[str | None, object]:
    stem = case.name.removesuffix(".in.json")
    error = case.with_name(f"{stem}.error.txt")
    if error.exists():
        return error.read_text(encoding="utf-8").strip(), None
    return None, json.loads(case.with_name(f"{stem}.out.json").read_text(encoding="utf-8"))


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
    expected_error, expected = _expected(case)

    def run() -> object:
        if name in PARTIAL_MAPPINGS:
            return partial_document(name, ALL, data)
        return mapping(data).model_dump(mode="json")

    if expected_error is not None:
        with pytest.raises(MappingInputError) as info:
            run()
        assert expected_error in str(info.value)
        return
    assert run() == expected


@pytest.mark.parametrize("case", RESPONSE_CASES, ids=_case_id)
def test_documented_response(case: Path) -> None:
    channel = get_channel(case.parent.parent.name)
    expected_error, expected = _expected(case)
    if expected_error is not None:
        with pytest.raises(MappingError) as info:
            normalize(channel, None, case.read_bytes())
        assert expected_error in str(info.value)
        return
    assert normalize(channel, None, case.read_bytes()).as_json() == expected


@pytest.mark.parametrize("name", sorted(name for name, channel in all_channels().items() if channel.responses))
def test_every_documented_response_has_a_case(name: str) -> None:
    shown = set()
    for case in MAPPINGS.glob(f"{name}/{RESPONSES}/*.out.json"):
        shown.add(json.loads(case.read_text(encoding="utf-8"))["topic"])
    declared = {response.topic for response in get_channel(name).responses}
    assert declared <= shown, f"{name}: no case in mappings/{name}/{RESPONSES} shows {sorted(declared - shown)}"
