"""``hub.export.availability`` on a real worker process, and its place in beat's schedule."""

from __future__ import annotations

from pathlib import Path

from hub.availability import events_after
from hub.runtime import Runtime
from hub.settings import load_settings
from hub.worker.app import beat_schedule, create_celery
from tests.availability.conftest import Shop
from tests.processes import hub_env, hub_process, wait_for
from tests.stacks import hub_on

RULES = """
channels:
  - channel: amazon
    share: {percent: 50}
  - channel: "*"
"""


def test_the_task_records_change_events_on_a_real_worker(migrated_stack: dict[str, str], tmp_path: Path) -> None:
    rules = tmp_path / "atp.yaml"
    rules.write_text(RULES)
    environment = {**migrated_stack, "HUB_WORKER__AVAILABILITY_RULES": str(rules)}
    runtime, celery = hub_on(migrated_stack)
    Shop(runtime.database).account("amazon").account("shopify").location("dal1").stock("SKU-1", "dal1", 9)
    celery.send_task("hub.export.availability", kwargs={"scope": "all"})  # routed to the export queue

    def recorded() -> list[tuple[str, int]] | None:
        with runtime.database.session() as session:
            events = events_after(session)
        return [(event.channel, event.new_quantity) for event in events] or None

    with hub_process(["worker", "--queues", "export", "-c", "1"], hub_env(**environment), tmp_path / "w.log") as worker:
        found = wait_for(recorded, "the worker to record availability events")
        assert worker.poll() is None, (tmp_path / "w.log").read_text()
    assert sorted(found) == [("amazon", 4), ("shopify", 9)]
    runtime.close()


def test_beat_runs_the_changed_skus_often_and_every_sku_less_often(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, worker={"availability_seconds": 30, "availability_full_seconds": 900})
    schedule = beat_schedule(settings)
    changed, full = schedule["availability-changed"], schedule["availability-all"]
    assert (changed["task"], changed["kwargs"], changed["schedule"].total_seconds()) == (
        "hub.export.availability",
        {"scope": "changed"},
        30,
    )
    assert (full["kwargs"], full["schedule"].total_seconds()) == ({"scope": "all"}, 900)


def test_the_task_in_process_skips_accounts_that_are_inactive(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path, database_url=database_url, broker_url=f"sqla+sqlite:///{tmp_path / 'b.sqlite3'}"
    )
    runtime = Runtime(settings)
    shop = Shop(runtime.database).account("shopify").account("ebay", active=False).location("dal1")
    shop.stock("SKU-1", "dal1", 2)
    celery = create_celery(settings, runtime)
    outcome = celery.tasks["hub.export.availability"](scope="changed")
    assert (outcome["computed"], outcome["changed"], outcome["scope"]) == (1, 1, "changed")
    with runtime.database.session() as session:
        assert [(event.channel, event.new_quantity) for event in events_after(session)] == [("shopify", 2)]
    runtime.close()
