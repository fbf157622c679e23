"""``orderhub location`` and ``orderhub stock`` as an operator uses them.

The command line is run in this process (through ``hub.cli.main``, the console script's own entry point) to
keep the test fast; one case runs the real ``orderhub`` process to check the exit code and the one-line
error as a shell sees them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hub.cli import main
from tests.inventory.conftest import sample_advice
from tests.processes import hub_env

LOCATIONS_YAML = """
- id: nyc1
  name: Newark DC
  kind: warehouse
  address: {line1: 1 Port St, city: Newark, region: NJ, postal_code: "07114", country: US}
  capabilities: [ship]
  cutoff: {time: "15:00", timezone: America/New_York}
  cost: {currency: USD, per_shipment: "5.00", per_unit: "0.30"}
- id: acme
  name: Acme drop-ship
  kind: supplier
  postal_region: "US:606"
  capabilities: [ship]
"""


class Hub:
    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def __call__(self, *args: str) -> str:
        main(list(args))
        return self.capsys.readouterr().out

    def fails(self, *args: str) -> tuple[int, str]:
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        return int(exited.value.code or 0), self.capsys.readouterr().err


@pytest.fixture
def hub(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Hub:
    monkeypatch.setenv("HUB_DATABASE_URL", database_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    return Hub(capsys)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_locations_from_options_and_files(hub: Hub, tmp_path: Path) -> None:
    added = hub(
        "location", "add", "dal1", "--name", "Dallas DC", "--kind", "warehouse", "--country", "US",
        "--postal-code", "75201", "--capability", "ship", "--cutoff", "15:00", "--timezone", "America/Chicago",
        "--currency", "USD", "--per-shipment", "6.50", "--priority", "10",
    )  # fmt: skip
    assert added.strip() == "added location dal1: warehouse 'Dallas DC'"
    file = tmp_path / "locations.yaml"
    file.write_text(LOCATIONS_YAML)
    assert hub("location", "add", "--file", str(file)).splitlines() == [
        "added location nyc1: warehouse 'Newark DC'",
        "added location acme: supplier 'Acme drop-ship'",
    ]
    assert hub("location", "add", "dal1", "--inactive").strip() == "updated location dal1: warehouse 'Dallas DC'"
    shown = json.loads(hub("location", "show", "dal1"))
    assert shown["active"] is False and shown["cutoff"] == {
        "time": "15:00:00",
        "timezone": "America/Chicago",
        "days": ["mon", "tue", "wed", "thu", "fri"],
    }
    assert shown["cost"] == {"currency": "USD", "per_shipment": "6.50", "per_unit": "0", "regions": {}}
    active = [json.loads(line)["id"] for line in hub("location", "list", "--active").splitlines()]
    assert active == ["acme", "nyc1"]  # priority 100 both, then by id


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bad_location_input_is_one_line(hub: Hub, tmp_path: Path) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text("id: x1\nname: X\nkind: depot\ncapabilities: [ship]\n")
    code, error = hub.fails("location", "add", "--file", str(file))
    assert code == 2 and len(error.strip().splitlines()) == 1
    assert error.startswith(f"orderhub: {file} location 1 'x1' is invalid: kind: Input should be 'warehouse'")
    file.write_text("id: [unclosed\n")
    code, error = hub.fails("location", "add", "--file", str(file))
    assert code == 2 and "is not valid YAML" in error
    code, error = hub.fails("location", "add", "dal9", "--name", "Nine", "--kind", "store", "--capability", "ship")
    assert code == 2 and "needs coordinates, a postal_region or an address with a postal_code" in error


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_stock_by_hand_is_in_the_ledger(hub: Hub) -> None:
    hub("location", "add", "dal1", "--name", "Dallas", "--kind", "warehouse", "--postal-region", "US:752")
    assert "incoming " in hub("stock", "expect", "TEE", "dal1", "24", "--reference", "PO-1", "--date", "2026-12-01")
    received = hub("stock", "receive", "TEE", "dal1", "10", "--reference", "PO-1")
    assert received.startswith("received against po PO-1: TEE at dal1: on hand 10,") and "incoming 14" in received
    assert "on hand 8," in hub("stock", "adjust", "TEE", "dal1", "-2", "--note", "damaged")
    counted = hub("stock", "set", "TEE", "dal1", "5", "--key", "sheet-7")
    assert counted.startswith("count applied: -3 on hand (ledger said 8);")
    assert "was applied before; nothing changed" in hub("stock", "set", "TEE", "dal1", "5", "--key", "sheet-7")
    assert "available 3" in hub("stock", "safety", "TEE", "dal1", "2")
    (level,) = [json.loads(line) for line in hub("stock", "show", "TEE").splitlines()]
    assert (level["on_hand"], level["available"], level["incoming"]) == (5, 3, 14)
    assert level["incoming_rows"][0] | {"id": 0} == {
        "id": 0,
        "source": "po",
        "reference": "PO-1",
        "quantity": 14,
        "expected_on": "2026-12-01",
    }
    entries = [json.loads(line) for line in hub("stock", "ledger", "TEE", "--location", "dal1").splitlines()]
    assert [(e["bucket"], e["delta"], e["reason"]) for e in entries] == [
        ("incoming", 24, "incoming_expected"),
        ("incoming", -10, "receipt"),
        ("on_hand", 10, "receipt"),
        ("on_hand", -2, "adjustment"),
        ("on_hand", -3, "count"),
        ("safety_stock", 2, "safety_stock"),
    ]
    assert {e["source"] for e in entries} == {"cli"} and entries[3]["note"] == "damaged"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_stock_errors_are_one_line(hub: Hub) -> None:
    hub("location", "add", "dal1", "--name", "Dallas", "--kind", "warehouse", "--postal-region", "US:752")
    code, error = hub.fails("stock", "adjust", "TEE", "dal1", "-1")
    assert code == 2 and error.strip() == (
        "orderhub: cannot remove 1 units of TEE at 'dal1': only 0 on hand (record a count if the figure is wrong)"
    )
    code, error = hub.fails("stock", "set", "TEE", "dal1", "5", "--as-of", "yesterday")
    assert code == 2 and "--as-of 'yesterday' must be a date-time with an offset" in error


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_unknown_location_exits_2_with_one_line(database_url: str, tmp_path: Path) -> None:
    env = hub_env(HUB_DATA_DIR=str(tmp_path), HUB_DATABASE_URL=database_url)
    result = subprocess.run(
        [sys.executable, "-m", "hub", "stock", "receive", "TEE", "nowhere", "3"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "orderhub: no location 'nowhere': add it with `orderhub location add` or check the id"
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_inventory_advice_file_feeds_a_supplier(hub: Hub, tmp_path: Path) -> None:
    hub("location", "add", "acme", "--name", "Acme", "--kind", "supplier", "--postal-region", "US:606")
    file = tmp_path / "advice.json"
    file.write_text(sample_advice().model_dump_json())
    lines = [json.loads(line) for line in hub("stock", "advice", "acme", str(file)).splitlines()]
    assert lines[0] == {"sku": "ABC-1", "status": "applied", "adjustment": 120}
    assert lines[1]["item"] == 1 and "no SKU for the item (upc=012345678912)" in lines[1]["skipped"]
    assert json.loads(hub("stock", "show", "ABC-1"))["incoming"] == 100
    file.write_text('{"as_of": "2026-11-22T08:00:00Z", "items": []}')
    code, error = hub.fails("stock", "advice", "acme", str(file))
    assert code == 2 and "not an inventory_advice.v1 document: items: List should have at least 1 item" in error
