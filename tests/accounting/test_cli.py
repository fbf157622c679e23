"""``orderhub export``: accounting runs with a progress bar and a summary, a dry run that writes nothing,
reconcile as text and JSON (exit 1 listing the order that differs), closed periods, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hub.cli import main
from hub.db.models import AccountingExport, JournalEntryRecord
from hub.db.session import Database
from tests.accounting.builders import add_destination, generate_month
from tests.accounting.test_export import edit_first_price, journal_rows


@pytest.fixture
def orderhub(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HUB_DATABASE_URL", database_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))

    def run_command(*args: str, code: int = 0) -> tuple[str, str]:
        if code:
            with pytest.raises(SystemExit) as exited:
                main(list(args))
            assert exited.value.code == code
        else:
            main(list(args))
        captured = capsys.readouterr()
        return captured.out, captured.err

    return run_command


def count(database: Database, model: type) -> int:
    with database.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_export_reconcile_and_a_hand_edit(database: Database, tmp_path: Path, orderhub) -> None:  # type: ignore[no-untyped-def]
    month = generate_month(database, per_channel=4)
    directory = add_destination(database, tmp_path, "books")

    out, _err = orderhub("export", "accounting", "csv-journal", "books", "--dry-run")
    assert "would be posted" in out and "sale" in out
    assert count(database, JournalEntryRecord) == 0 and journal_rows(directory) == {}

    out, err = orderhub(
        "export", "accounting", "csv-journal", "books", "--since", "2026-11-01", "--until", "2026-11-30"
    )
    assert "posting" in err  # the progress bar
    planned = count(database, AccountingExport)
    assert planned > 0 and f"{planned} planned, {planned} posted, 0 refused" in out
    out, _err = orderhub("export", "reconcile", "csv-journal", "books", "--period", "2026-11")
    assert "agrees to the cent" in out and "DIFFERS" not in out

    edited = sorted(month.orders)[1]
    edit_first_price(database, edited, "99.99")
    out, _err = orderhub("export", "reconcile", "csv-journal", "books", "--period", "2026-11", "--json", code=1)
    document = json.loads(out)
    assert [item["order_id"] for item in document["differences"]] == [edited]
    assert document["read_back"] == [] and not document["agrees"]  # the files still say what was posted

    out, _err = orderhub("export", "close-period", "csv-journal", "books", "2026-11")
    assert "2026-11 closed" in out
    out, _err = orderhub("export", "accounting", "csv-journal", "books")
    assert "1 adjusting entries" in out and "1 planned, 1 posted" in out
    assert len(journal_rows(directory)) == 2  # one CSV per run


def test_errors_are_one_line(database: Database, tmp_path: Path, orderhub) -> None:  # type: ignore[no-untyped-def]
    add_destination(database, tmp_path, "books")
    (tmp_path / "mapping.yaml").write_text("accounts: {}\ntax: {default: '1'}\nclearing: {default: '2'}\n")
    _out, err = orderhub("export", "accounting", "csv-journal", "books", code=2)
    assert err.count("\n") == 1
    assert f"account mapping {tmp_path}/mapping.yaml: accounts.revenue: Field required" in err
    _out, err = orderhub("export", "accounting", "csv-journal", "nobody", code=2)
    assert "no connector account csv-journal:nobody" in err
    _out, err = orderhub("export", "reconcile", "csv-journal", "books", "--period", "November", code=2)
    assert "not a month written YYYY-MM" in err
