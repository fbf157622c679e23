"""Every routing scenario in ``scenarios/`` (orders, stock, rules -> expected allocations, states and trace),
decided by the real engine. See ``scenario.py`` for the file format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.routing.scenario import load, problems, run, scenario_files


@pytest.mark.parametrize("path", scenario_files(), ids=lambda path: path.stem)
def test_scenario(path: Path) -> None:
    data = load(path)
    for label, decision, expect in run(data):
        found = problems(decision, expect)
        shown = json.dumps(decision.to_json(), indent=1)
        assert not found, f"{path.name}, {label}: " + "; ".join(found) + f"\ndecision:\n{shown}"


def test_the_scenario_folder_is_read() -> None:
    # a glob that finds nothing would leave the parametrised test above with no cases, silently
    assert len(scenario_files()) >= 20
