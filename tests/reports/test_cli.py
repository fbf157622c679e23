"""``orderhub report`` as a user runs it: a table or CSV with the console's numbers, one-line errors."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.cli import main
from hub.db.session import Database
from tests.reports.shop import load_shop


def orderhub(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own, as a user runs it."""
    env = {**os.environ, "HUB_DATABASE_URL": database_url, "HUB_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run(
        [sys.executable, "-m", "hub", "report", *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, shop_url: str):  # type: ignore[no-untyped-def]
    """The command's own entry point in this process (starting Python for each call is slow): exit code and
    what it printed on stdout and stderr."""
    monkeypatch.setenv("HUB_DATABASE_URL", shop_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "data"))

    def call(*args: str) -> tuple[int, str, str]:
        try:
            main(["report", *args])
            code = 0
        except SystemExit as exited:
            code = int(exited.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return call


@pytest.fixture
def shop_url(database: Database, database_url: str) -> str:
    load_shop(database)
    return database_url


def test_csv_and_table(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("returns-by-sku", "--channel", "shopify", "--csv")
    assert code == 0, err
    assert list(csv.reader(io.StringIO(out))) == [
        ["sku", "shipped_units", "returned_units", "return_rate", "returns"],
        ["SKU-A", "5", "2", "0.4", "2"],
        ["SKU-B", "1", "0", "0.0", "0"],
    ]
    code, out, err = run("fill-rate", "--from", "2026-11-10", "--to", "2026-11-12")
    assert out.splitlines() == [
        "channel  routed_orders  split_orders  split_rate  decided_orders  lines  lines_filled  line_fill_rate"
        "  units  units_filled  unit_fill_rate",
        "shopify              2             1         0.5               2      3             2          0.6667"
        "      6             4          0.6667",
    ]


def test_a_bad_day_is_one_line_and_a_failure(shop_url: str, tmp_path: Path) -> None:
    done = orderhub(shop_url, tmp_path, "ship-time", "--from", "2026-02-30")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "orderhub: --from '2026-02-30' is not a day: give it as YYYY-MM-DD\n"


def test_listing_and_bad_input_answer_in_one_line(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run()
    assert code == 0 and "supplier-performance" in out
    for args, message in [
        (("ship-time", "--to", "tomorrow"), "orderhub: --to 'tomorrow' is not a day: give it as YYYY-MM-DD"),
        (("ship-time", "--from", "2026-11-20", "--to", "2026-11-01"), "orderhub: from 2026-11-20 is after to"),
        (("top-sellers",), "orderhub: no report named 'top-sellers'; the reports are: top-products, ship-time"),
        (("backorder-age", "--location", "east"), "orderhub: backorder-age has no location"),
    ]:
        code, out, err = run(*args)
        assert code == 2 and out == ""
        assert err.startswith(message) and err.count("\n") == 1, err
