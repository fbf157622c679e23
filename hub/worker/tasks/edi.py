"""EDI transport tasks: send outbound interchanges, poll partners' mailboxes and SFTP folders.

``hub.edi.send`` is published for each outbound interchange once the transaction that queued it has
committed (``hub.edi.register.queue_outbound``); ``hub.edi.send_pending`` catches any that were not published
or whose retries were lost. ``hub.edi.poll_all`` runs every ``HUB_WORKER__EDI_POLL_SECONDS`` and publishes one
``hub.edi.poll`` per partner with a folder transport; what a poll stores is handed to the ingest queue at once.
"""

from __future__ import annotations

from celery import shared_task

from hub.edi.transports.poll import poll_partner, pollable_partners
from hub.edi.transports.send import MAX_RETRIES, RETRY_BACKOFF, RETRY_BACKOFF_MAX, due_for_sending, send_interchange
from hub.sdk.errors import TransientError
from hub.worker.base import HubTask
from hub.worker.queues import EDI
from hub.worker.relay import publish_and_mark, queue_depth

SEND_TASK = "hub.edi.send"
POLL_TASK = "hub.edi.poll"


@shared_task(
    bind=True,
    base=HubTask,
    name=SEND_TASK,
    autoretry_for=(TransientError,),
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def send(self: HubTask, interchange_id: int) -> str:
    """Send one outbound interchange; the last retry marks it failed instead of raising."""
    final = self.request.retries >= self.max_retries
    try:
        return send_interchange(self.runtime.database, interchange_id, final=final).status
    except TransientError as exc:
        if exc.retry_after is None:
            raise  # autoretry: exponential backoff with jitter
        # The partner said when to come back; beyond RETRY_BACKOFF_MAX the sweep's schedule takes over.
        raise self.retry(exc=exc, countdown=min(max(exc.retry_after, 1.0), RETRY_BACKOFF_MAX)) from exc


@shared_task(bind=True, base=HubTask, name="hub.edi.send_pending")
def send_pending(self: HubTask) -> int:
    """Publish outbound interchanges never attempted, held by a configuration problem, or whose retries were
    lost; give up on those that reached the attempt limit."""
    due = due_for_sending(self.runtime.database, backlog=queue_depth(self.app, EDI) > 0)
    for interchange_id in due:
        self.app.send_task(SEND_TASK, args=[interchange_id])
    return len(due)


@shared_task(
    bind=True,
    base=HubTask,
    name=POLL_TASK,
    autoretry_for=(TransientError,),
    retry_backoff=30,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=3,
)
def poll(self: HubTask, partner_id: str) -> int:
    """Poll one partner's mailbox and SFTP transports; hand what was stored to the ingest queue."""
    database = self.runtime.database
    result = poll_partner(database, partner_id)
    publish_and_mark(self.app, database, result.stored)
    result.raise_failure()
    return len(result.stored)


@shared_task(bind=True, base=HubTask, name="hub.edi.poll_all")
def poll_all(self: HubTask) -> int:
    """One poll per active partner with a folder transport. Each expires after one interval, so polls do not
    pile up while no worker serves the edi queue."""
    partners = pollable_partners(self.runtime.database)
    expires = self.runtime.settings.worker.edi_poll_seconds
    for partner_id in partners:
        self.app.send_task(POLL_TASK, args=[partner_id], expires=expires)
    return len(partners)
