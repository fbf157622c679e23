"""Intake tasks: parse stored messages, republish forgotten ones, pull from channels on a schedule.

A message never takes its neighbours down: ``process_message`` ends any message whose processing raises
(failed, with the error), and ``parse_many`` applies its chunk in one transaction with a savepoint per
message (``hub.channels.chunk``), handing a transient failure to ``hub.ingest.parse`` and logging anything
else (the database gone, say: the messages stay received and the sweep publishes them again).
Every processing counts one attempt before it starts, so a message that keeps failing, or that kills its
worker, is given up after ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import shared_task
from sqlalchemy import or_, select

from hub.channels.chunk import process_chunk
from hub.channels.process import MessageNotFound, process_message
from hub.channels.pull import pull_account, pullable_accounts
from hub.db.models import InboxMessage, InboxStatus
from hub.db.models.base import utcnow
from hub.sdk.errors import TransientError
from hub.worker import mailbox
from hub.worker.base import HubTask
from hub.worker.follow_ups import FollowUps, publish_follow_ups
from hub.worker.queues import INGEST
from hub.worker.relay import publish_and_mark, queue_depth

UNPUBLISHED_GRACE = timedelta(seconds=30)  # a relay normally publishes within milliseconds
LOST_IN_BROKER = timedelta(minutes=10)  # published but still unprocessed: the broker lost it (or a worker died)
MAX_ATTEMPTS = 20
GATHER_IDS = 100  # inbox ids a parse_many task takes from the queue's backlog, its own included
log = logging.getLogger(__name__)


@shared_task(
    bind=True,
    base=HubTask,
    name="hub.ingest.parse",
    autoretry_for=(TransientError,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def parse(self: HubTask, inbox_id: int) -> str:
    try:
        outcome = process_message(self.runtime.database, inbox_id)
    except MessageNotFound:
        return "missing"
    publish_follow_ups(self.app, [outcome])
    return outcome.status


@shared_task(bind=True, base=HubTask, name="hub.ingest.parse_many")
def parse_many(self: HubTask, inbox_ids: list[int]) -> int:
    """Parse a chunk of messages published together by the relay, with the chunks of other
    ``hub.ingest.parse_many`` messages already waiting on the queue (up to ``GATHER_IDS`` ids in all:
    ``hub.worker.mailbox``), in one transaction with a savepoint per message
    (``hub.channels.chunk``); one that hits a transient failure is handed to ``hub.ingest.parse`` (with its
    retry backoff) so it does not hold up the rest. The gathered messages are acknowledged once their chunk
    is done."""
    ids = list(inbox_ids)
    gathered = mailbox.gather(self, INGEST, GATHER_IDS - len(ids), _inbox_ids)
    ids += [inbox_id for _message, more in gathered for inbox_id in more]
    try:
        done = _parse_chunk(self, ids)
    except BaseException:
        mailbox.settle(gathered, done=False)
        raise
    mailbox.settle(gathered, done=True)
    return done


def _inbox_ids(args: list[Any]) -> list[int] | None:
    first = args[0]
    return [int(item) for item in first] if isinstance(first, list) and len(args) == 1 else None


def _parse_chunk(task: HubTask, inbox_ids: list[int]) -> int:
    try:
        result = process_chunk(task.runtime.database, list(dict.fromkeys(inbox_ids)))
    except Exception:  # not the messages' doing (the database gone, say): they stay received for the sweep
        log.exception("inbox messages %s were left for the sweep", inbox_ids)
        return 0
    for inbox_id, retry_after in result.retry.items():
        parse.apply_async(args=[inbox_id], countdown=retry_after or 5)
    try:
        publish_follow_ups(task.app, result.outcomes.values())
    except Exception:  # committed already: the sweeps publish what is still unrouted or unsent
        log.exception("could not publish the answers of inbox messages %s; the sweeps will", inbox_ids)
    return len(result.outcomes)


@shared_task(bind=True, base=HubTask, name="hub.ingest.sweep")
def sweep(self: HubTask) -> int:
    """Publish inbox messages that were stored but never handed to a worker, or handed over and lost.

    The relay does not record what it published, so while the ingest queue holds messages, a waiting row may
    simply be in that backlog: then only rows waiting longer than LOST_IN_BROKER are taken. With the queue
    empty, a row still waiting after the grace period was never published (or its worker died).
    """
    now = utcnow()
    database = self.runtime.database
    waiting_since = now - (LOST_IN_BROKER if queue_depth(self.app, INGEST) else UNPUBLISHED_GRACE)
    with database.session() as session:
        query = (
            select(InboxMessage.id, InboxMessage.attempts)
            .where(InboxMessage.status == InboxStatus.RECEIVED, InboxMessage.received_at < waiting_since)
            .where(or_(InboxMessage.enqueued_at.is_(None), InboxMessage.enqueued_at < now - LOST_IN_BROKER))
            .order_by(InboxMessage.id)
            .limit(5000)
        )
        rows = session.execute(query).all()
        exhausted = [row.id for row in rows if row.attempts >= MAX_ATTEMPTS]
        for message in session.scalars(select(InboxMessage).where(InboxMessage.id.in_(exhausted))):
            message.status = InboxStatus.FAILED
            message.error = f"gave up after {message.attempts} attempts: {message.error or 'no error recorded'}"
    return len(publish_and_mark(self.app, database, [row.id for row in rows if row.attempts < MAX_ATTEMPTS]))


@shared_task(
    bind=True, base=HubTask, name="hub.ingest.pull", autoretry_for=(TransientError,), retry_backoff=30, max_retries=3
)
def pull(self: HubTask, channel: str, account: str) -> int:
    """Poll (Amazon, eBay, Walmart) or reconcile (webhook channels) one account since its watermark."""
    return pull_account(self.runtime.database, channel, account, follow_up=FollowUps(self.app)).stored


@shared_task(bind=True, base=HubTask, name="hub.ingest.pull_all")
def pull_all(self: HubTask) -> int:
    accounts = pullable_accounts(self.runtime.database)
    for channel, account in accounts:
        self.app.send_task("hub.ingest.pull", args=[channel, account])
    return len(accounts)
