"""Taking more of the same task's messages off a queue, so a backlog is worked a large chunk at a time.

A task whose arguments are lists of ids (``hub.ingest.parse_many``) costs two or three transactions and a
task dispatch whatever the number of ids it carries, so the per-id cost falls as its chunks grow. Under
load the messages are small (the web relay publishes what arrived within a few milliseconds), while the
queue holds many of them. ``Mailbox.gather`` takes messages of the same task that are already waiting,
without waiting for more to arrive: a queue that is empty ends the gathering at once, so a lone message is
worked as soon as it came (latency stays what it was), and only a backlog is merged.

The gathered messages are unacknowledged until the caller settles them: ``ack`` once its work committed,
``requeue`` if it failed, so a worker that dies meanwhile leaves them to the broker to deliver again (the
tasks are safe to run twice). A message of another task, or one carrying retry options, goes back to the
queue and ends the gathering. Each process (and thread) keeps its own connection per queue, without
heartbeats: nothing services them between tasks, and a connection the broker closed is simply opened again
by the next gathering.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from celery import Task
from kombu.connection import Connection
from kombu.message import Message

from hub.worker import queues

log = logging.getLogger(__name__)
IdsOf = Callable[[list[Any]], "list[Any] | None"]  # a message's arguments -> the ids it carries, or None
_local = threading.local()


class Mailbox:
    """One process's connection to one work queue, from which waiting messages of a task are taken."""

    def __init__(self, task: Task, queue_name: str) -> None:
        self.connection: Connection = task.app.connection_for_read(heartbeat=0)
        amqp = not task.app.hub.settings.embedded
        declared = next(queue for queue in queues.work_queues(amqp) if queue.name == queue_name)
        self.queue = declared(self.connection.default_channel)

    def gather(self, task_name: str, room: int, ids_of: IdsOf) -> list[tuple[Message, list[Any]]]:
        """Waiting messages of ``task_name`` with their ids, taken while they carry fewer than ``room`` ids
        in all and ``ids_of(args)`` accepts them (None: put back, and stop); stops at the first moment the
        queue is empty."""
        taken: list[tuple[Message, list[Any]]] = []
        while room > 0:
            message = self.queue.get(no_ack=False, accept=["json"])
            if message is None:
                break
            ids = _ids(message, ids_of) if message.headers.get("task") == task_name else None
            if ids is None:
                message.requeue()
                break
            taken.append((message, ids))
            room -= len(ids)
        return taken


def _ids(message: Message, ids_of: IdsOf) -> list[Any] | None:
    args, kwargs, _embed = message.decode()
    if kwargs or not args:
        return None
    return ids_of(list(args))


def gather(task: Task, queue_name: str, room: int, ids_of: IdsOf) -> list[tuple[Message, list[Any]]]:
    """``Mailbox.gather`` on this process's mailbox for ``queue_name``; nothing when the task was called
    directly (not from a worker) or the broker cannot be reached (the caller works what it has)."""
    if task.request.called_directly or room <= 0:
        return []
    boxes: dict[str, Mailbox] = _local.__dict__.setdefault("boxes", {})
    try:
        if queue_name not in boxes:
            boxes[queue_name] = Mailbox(task, queue_name)
        return boxes[queue_name].gather(task.name, room, ids_of)
    except Exception as error:  # noqa: BLE001 - the broker went away: work what we have
        log.warning("%s queue: gathering stopped: %s", queue_name, error)
        _forget(boxes.pop(queue_name, None))
        return []


def settle(gathered: list[tuple[Message, list[Any]]], done: bool) -> None:
    """Acknowledge the gathered messages (their work committed) or put them back on the queue."""
    for message, _ids_carried in gathered:
        try:
            message.ack() if done else message.requeue()
        except Exception as error:  # noqa: BLE001 - the broker delivers an unsettled message again
            log.warning("could not settle a gathered message: %s", error)


def _forget(mailbox: Mailbox | None) -> None:
    if mailbox is not None:
        try:
            mailbox.connection.release()
        except Exception:  # noqa: BLE001, S110 - already gone
            pass
