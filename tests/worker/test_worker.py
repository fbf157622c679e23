"""Tasks enqueued by the suite run on a real worker process, through RabbitMQ and through the embedded broker."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import select

from hub.db.models import WorkerHeartbeat
from hub.settings import load_settings
from hub.worker.app import create_celery
from tests.processes import hub_env, hub_process, wait_for
from tests.stacks import hub_on


def test_task_runs_on_a_real_worker(migrated_stack: dict[str, str], tmp_path: Path) -> None:
    runtime, celery = hub_on(migrated_stack)

    token = uuid.uuid4().hex
    # Enqueued before any worker exists: the broker must keep it until one comes.
    celery.send_task("hub.system.heartbeat", kwargs={"queue": "ingest", "token": token}, queue="ingest")

    def check_in() -> WorkerHeartbeat | None:
        with runtime.database.session() as session:
            return session.scalars(select(WorkerHeartbeat).where(WorkerHeartbeat.token == token)).first()

    with hub_process(
        ["worker", "--queues", "ingest,system", "--concurrency", "1"],
        hub_env(**migrated_stack),
        tmp_path / "worker.log",
    ) as worker:
        row = wait_for(check_in, "the worker to run the task")
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
    assert row.queue == "ingest"
    assert row.worker.startswith("celery@")
    runtime.close()


def test_unknown_task_is_refused_by_name() -> None:
    settings = load_settings(broker_url="sqla+sqlite:////tmp/unused-broker.sqlite3")
    celery = create_celery(settings)
    assert "hub.system.heartbeat" in celery.tasks
    assert celery.amqp.router.route({}, "hub.ingest.parse")["queue"].name == "ingest"
    assert celery.amqp.router.route({}, "hub.deliver.3pl.send")["queue"].name == "deliver.3pl"


def test_a_starting_worker_checks_in_through_each_queue_it_consumes(
    migrated_stack: dict[str, str], tmp_path: Path
) -> None:
    runtime, _ = hub_on(migrated_stack)

    def ready_queues() -> set[str] | None:
        with runtime.database.session() as session:
            found = set(session.scalars(select(WorkerHeartbeat.queue).where(WorkerHeartbeat.token == "ready")))
        return found or None

    with hub_process(
        ["worker", "--queues", "route,export", "-c", "1"], hub_env(**migrated_stack), tmp_path / "worker.log"
    ):
        # which queue's check-in is consumed first is up to the broker: wait for both
        assert wait_for(lambda: ready_queues() == {"route", "export"} or None, "a check-in per consumed queue")
    runtime.close()
