"""Fixtures for the outbound tests: the pyx12 map folder generated from the hub's specs, built once."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.edi.pyx12maps import build_map_folder


@pytest.fixture(scope="session")
def pyx12_maps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_map_folder(tmp_path_factory.mktemp("pyx12"))
