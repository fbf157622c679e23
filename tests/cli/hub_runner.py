"""The ``orderhub`` command run in this process (through ``hub.cli.main``, the console script's own entry
point), with the fake connector registered beside the installed ones."""

from __future__ import annotations

import json
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest

import hub.sdk.registry
from hub.cli import main
from hub.db.session import Database

FAKE = EntryPoint(name="fake-3pl", value="tests.cli.fake_connector:FakeThreePL", group="orderhub.connectors")


class Hub:
    def __init__(self, capsys: pytest.CaptureFixture[str], database: Database) -> None:
        self.capsys = capsys
        self.database = database

    def __call__(self, *args: str) -> str:
        main(list(args))
        return self.capsys.readouterr().out

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json"))

    def fails(self, *args: str) -> tuple[int, str]:
        """Exit code and stderr of a command that must fail with one line."""
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        err = self.capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
        return int(exited.value.code or 0), err


def hub_for(database: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Hub:
    monkeypatch.setenv("HUB_DATABASE_URL", database_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    installed = hub.sdk.registry.available_connectors

    def with_fake() -> dict[str, EntryPoint]:
        return {**installed(), FAKE.name: FAKE}

    monkeypatch.setattr(hub.sdk.registry, "available_connectors", with_fake)
    monkeypatch.setattr("hub.cli.connectors.available_connectors", with_fake)
    return Hub(capsys, database)
