"""``orderhub route simulate`` as a user runs it: a real process, real files, the JSON or the summary it
prints, and one line with exit 2 for each kind of bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import hub_env

FILES = Path(__file__).with_name("files")
ORDER, STOCK = str(FILES / "order.json"), str(FILES / "stock.json")
AT = "2026-03-02T16:00:00Z"


def orderhub(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = hub_env(HUB_DATA_DIR=str(cwd))
    return subprocess.run([sys.executable, "-m", "hub", *args], env=env, capture_output=True, text=True, timeout=120)


def test_simulate_prints_the_decision_and_its_trace_as_json(tmp_path: Path) -> None:
    result = orderhub("route", "simulate", ORDER, "--stock", STOCK, "--at", AT, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert (decision["rule"], decision["outcome"], decision["decided_at"]) == (
        "standard",
        "routed",
        "2026-03-02T16:00:00+00:00",
    )
    tee, mug, gift_card = decision["lines"]
    assert tee["allocations"] == [{"location": "wh-east", "quantity": 3, "dropship": False, "ships_on": "2026-03-02"}]
    assert mug["allocations"][0]["location"] == "wh-east" and gift_card["status"] == "not_routed"
    dropped = {item["location"]: item for item in decision["trace"]["candidates"] if item["dropped_by"]}
    assert dropped["store-nyc"]["dropped_by"] == "filter can_ship"
    assert decision["trace"]["plan"][0] == {
        "stage": "ship_complete",
        "outcome": "chosen",
        "detail": "wh-east holds every line in full",
        "locations": ["wh-east"],
    }
    assert not list(tmp_path.iterdir()), "simulating wrote something"


def test_simulate_with_a_rule_file_and_a_readable_summary(tmp_path: Path) -> None:
    rules = str(FILES / "cost_rules.yaml")
    result = orderhub(
        "route", "simulate", ORDER, "--stock", STOCK, "--rules", rules, "--at", AT, "--explain", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "Rule: lowest-cost: takes every order" in text and "Outcome: routed" in text
    assert "1 TEE-M x 3: 3 from wh-west, ships 2026-03-02" in text
    assert "3 GC-50 x 1: not routed: nothing to ship" in text
    assert "store-nyc    store      dropped by filter can_ship: cannot ship to a buyer (capabilities: pickup)" in text
    assert "wh-west      warehouse  rank 1 (own): cheapest 7.00" in text
    assert "ship_complete: chosen: wh-west holds every line in full" in text


def test_simulate_defaults_to_now(tmp_path: Path) -> None:
    result = orderhub("route", "simulate", ORDER, "--stock", STOCK, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["decided_at"] > AT


def bad_input(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no stock", "cannot read locations and stock from the database (no such table: inventory_locations)"),
        ("missing order", "missing.json: cannot read the order: No such file or directory"),
        ("order not json", "order.json: the order is not valid JSON: Expecting value at line 1, column 1"),
        ("order invalid", "order.json: not a valid order.v1: lines[0].quantity: quantity must be a whole number"),
        ("stock invalid", "stock.json: not a valid stock snapshot: locations[0].kind: Input should be"),
        ("rules invalid", "rules.yaml: rules[0].pipeline[0].filter (rule 'x'): unknown filter 'teleport'"),
        ("naive time", "--at '2026-03-02T16:00:00' has no offset; write it like 2026-03-02T15:00:00Z"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, case: str, message: str) -> None:
    order, stock, extra = ORDER, ["--stock", STOCK], ["--at", AT]
    if case == "no stock":
        stock = []
    elif case == "missing order":
        order = str(tmp_path / "missing.json")
    elif case == "order not json":
        order = bad_input(tmp_path, "order.json", "")
    elif case == "order invalid":
        data = json.loads(Path(ORDER).read_text())
        data["lines"][0]["quantity"] = 1.5
        order = bad_input(tmp_path, "order.json", json.dumps(data))
    elif case == "stock invalid":
        stock = ["--stock", bad_input(tmp_path, "stock.json", '{"locations": [{"id": "x", "kind": "depot"}]}')]
    elif case == "rules invalid":
        extra += ["--rules", bad_input(tmp_path, "rules.yaml", "rules: [{name: x, pipeline: [{filter: teleport}]}]")]
    else:
        extra = ["--at", "2026-03-02T16:00:00"]
    result = orderhub("route", "simulate", order, *stock, *extra, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("orderhub: "), result.stderr
    assert message in lines[0]
    assert result.stdout == ""
