"""Connectors are found through entry points, exactly as a third-party distribution would register them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hub.sdk import ConnectorKind, UnknownConnector, available_connectors, load_connector

CONNECTOR_MODULE = """
from pydantic import BaseModel, SecretStr

class Config(BaseModel):
    api_key: SecretStr

class Demo3PL:
    name = "demo3pl"
    kind = "3pl"
    Config = Config
    def __init__(self, config, session):
        self.config, self.session = config, session
    def check(self):
        return None

class Misnamed(Demo3PL):
    name = "something-else"
"""


@pytest.fixture
def installed_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real (if tiny) installed distribution that registers connectors in the orderhub.connectors group."""
    (tmp_path / "demo_connector.py").write_text(CONNECTOR_MODULE)
    dist = tmp_path / "demo_connector-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-connector\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[orderhub.connectors]\n"
        "demo3pl = demo_connector:Demo3PL\n"
        "misnamed = demo_connector:Misnamed\n"
        "notaclass = demo_connector:CONNECTOR\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("demo_connector", None)


def test_registered_connector_loads_by_name(installed_distribution: Path) -> None:
    assert "demo3pl" in available_connectors()
    connector = load_connector("demo3pl")
    assert connector.name == "demo3pl" and ConnectorKind(connector.kind) is ConnectorKind.THREE_PL


def test_unknown_name_lists_the_known_ones(installed_distribution: Path) -> None:
    with pytest.raises(UnknownConnector, match=r"no connector named 'no-such-3pl'; known connectors: .*demo3pl"):
        load_connector("no-such-3pl")


def test_entry_point_must_honour_the_contract(installed_distribution: Path) -> None:
    with pytest.raises(TypeError, match="calls itself 'something-else'"):
        load_connector("misnamed")
    with pytest.raises((TypeError, AttributeError)):
        load_connector("notaclass")
