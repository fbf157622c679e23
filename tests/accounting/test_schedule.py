"""The export schedule: a destination whose ``export_every_minutes`` is set is exported when its last run is
that old; the scheduled run (the task, in process) posts like the command does, and nothing twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from hub.accounting.tasks import due_destinations
from hub.db.models import AccountingRun
from hub.db.models.base import utcnow
from hub.runtime import Runtime
from hub.settings import load_settings
from hub.worker.app import beat_schedule, create_celery
from tests.accounting.builders import add_destination, generate_month, journal_rows_of


def test_due_destinations_follow_their_own_setting(database_url: str, tmp_path: Path) -> None:
    runtime = Runtime(load_settings(data_dir=tmp_path, database_url=database_url))
    database = runtime.database
    add_destination(database, tmp_path, "hourly", export_every_minutes="60")
    add_destination(database, tmp_path, "by-hand")
    now = utcnow()
    with database.session() as session:
        assert due_destinations(session, now) == [("csv-journal", "hourly")]
        session.add(AccountingRun(destination="csv-journal:hourly", started_at=now - timedelta(minutes=20)))
        session.flush()
        assert due_destinations(session, now) == []
        assert due_destinations(session, now + timedelta(minutes=40)) == [("csv-journal", "hourly")]
    runtime.close()


def test_the_scheduled_run_posts_once(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path, database_url=database_url, broker_url=f"sqla+sqlite:///{tmp_path / 'b.sqlite3'}"
    )
    runtime = Runtime(settings)
    generate_month(runtime.database, per_channel=3)
    directory = add_destination(runtime.database, tmp_path, "books", export_every_minutes="15")
    celery = create_celery(settings, runtime)

    first = celery.tasks["hub.export.accounting"]("csv-journal", "books")
    second = celery.tasks["hub.export.accounting"]("csv-journal", "books")

    assert first["planned"] == first["posted"] > 0 and second["planned"] == second["posted"] == 0
    assert len(journal_rows_of(directory)) == 1
    entry = beat_schedule(settings)["accounting-exports"]
    assert (entry["task"], entry["schedule"].total_seconds()) == ("hub.export.accounting_due", 60)
    runtime.close()
