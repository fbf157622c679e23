"""The ``hub`` fixture: ``orderhub`` commands against the test's database (SQLite or PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.db.session import Database
from tests.cli.hub_runner import Hub, hub_for


@pytest.fixture
def hub(
    database: Database,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Hub:
    return hub_for(database, database_url, tmp_path, monkeypatch, capsys)
