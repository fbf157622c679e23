"""`pip install .` (not only editable) gives a working hub: code, migrations, schemas and mappings ship."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from hub.db.migrate import head_revision

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "--disable-pip-version-check",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        timeout=300,
    )
    (built,) = out.glob("orderhub-*.whl")
    return built


def test_wheel_carries_data_and_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "hub/resources/schemas/canonical/order.v1.json" in names
    assert any(name.startswith("hub/db/migrations/versions/0001") for name in names)
    assert "hub/db/migrations/script.py.mako" in names
    assert not any(name.startswith(("schemas/", "mappings/", "tests/")) for name in names)
    entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    assert "orderhub = hub.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_wheel_runs_from_elsewhere(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    env.update(PYTHONPATH=str(target), HUB_DATA_DIR=str(tmp_path / "data"))
    probe = (
        "import hub, json; from hub.canonical.schema import load_schema, schema_dir;"
        "print(json.dumps({'hub': hub.__file__, 'schemas': str(schema_dir()),"
        " 'title': load_schema('order.v1')['title']}))"
    )
    # -I would drop PYTHONPATH; -P keeps the checkout (cwd) off sys.path so the installed copy is used
    shown = subprocess.run([sys.executable, "-P", "-c", probe], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    assert str(target) in shown.stdout and "Order" in shown.stdout
    upgrade = subprocess.run(
        [sys.executable, "-P", "-m", "hub", "db", "upgrade"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert upgrade.returncode == 0, upgrade.stderr
    assert f"database at revision {head_revision()}" in upgrade.stdout
