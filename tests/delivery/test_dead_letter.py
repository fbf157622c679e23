"""On RabbitMQ, a delivery task message that fails outside the engine's own handling is dead-lettered (kept in
the ``dead`` queue for inspection), not dropped and not requeued forever."""

from __future__ import annotations

from pathlib import Path

from hub.worker.queues import DEAD_LETTER_QUEUE, dead_letter_queue
from tests.processes import hub_env, hub_process, wait_for
from tests.stacks import hub_on


def test_a_failing_send_task_lands_in_the_dead_letter_queue(services: dict[str, str], tmp_path: Path) -> None:
    urls = {
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'orderhub.sqlite3'}",
        "HUB_BROKER_URL": services["HUB_TEST_RABBITMQ_URL"],
        "HUB_DATA_DIR": str(tmp_path),
    }
    runtime, celery = hub_on(urls)

    def dead_count() -> int:
        with celery.connection_for_write() as connection:
            channel = connection.default_channel
            dead_letter_queue()(channel).declare()
            return int(channel.queue_declare(queue=DEAD_LETTER_QUEUE, passive=True).message_count)

    before = dead_count()
    celery.send_task("hub.deliver.3pl.send", args=[None])  # not a list of ids: the task cannot run at all
    log = tmp_path / "worker.log"
    with hub_process(["worker", "--queues", "deliver.3pl", "--concurrency", "1"], hub_env(**urls), log) as worker:
        wait_for(lambda: dead_count() > before, "the failed message to be dead-lettered", limit=60)
        assert worker.poll() is None, log.read_text()
    runtime.close()
