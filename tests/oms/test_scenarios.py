"""Every OMS scenario file, on SQLite and PostgreSQL: orders, stock and rules in, allocations, fulfillment
orders, line and order states and stock levels out, after each step."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hub.db.session import Database
from tests.oms.scenario import Scenario, scenario_files


@pytest.mark.parametrize("path", scenario_files(), ids=lambda path: path.stem)
def test_scenario(database: Database, path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data.get("description"), f"{path.name} needs a description of what the merchant sees"
    Scenario(database, data).run()
