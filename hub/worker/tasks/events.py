"""Outbound events: ``hub.deliver.events.plan`` (beat, every ``HUB_WORKER__EVENTS_SECONDS``) turns new timeline
entries into deliveries for the subscribers that want them and publishes those; sending is the engine's
``hub.deliver.events.send`` like every other delivery."""

from __future__ import annotations

from celery import shared_task

from hub.events.plan import plan_events
from hub.worker.base import HubTask
from hub.worker.tasks.deliver import publish_deliveries

PLAN_TASK = "hub.deliver.events.plan"


@shared_task(bind=True, base=HubTask, name=PLAN_TASK)
def plan(self: HubTask) -> dict[str, int]:
    with self.runtime.database.session() as session:
        planned = plan_events(session)
    return {"planned": len(planned), "published": publish_deliveries(self.app, planned)}
