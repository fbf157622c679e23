"""The publishing task: ``hub.export.availability`` recomputes available to sell and records change events.

Beat runs it twice over: every ``HUB_WORKER__AVAILABILITY_SECONDS`` for the SKUs whose inventory changed
since the last run (the ledger watermark), and every ``HUB_WORKER__AVAILABILITY_FULL_SECONDS`` for every SKU,
which also takes in what the ledger does not record (new rules, a location deactivated, a pre-order window
moving with the date). The rules are read on each run, so an edited rule file takes effect without a
restart; a broken one fails the run with the file and path in the error, and the published figures stay as
they were. Two runs never record the same change twice (``publish`` serialises them), so a redelivered
task is harmless.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from hub.availability.publishing import Scope, publish
from hub.availability.rulefile import rules_from
from hub.worker.base import HubTask

TASK = "hub.export.availability"


@shared_task(bind=True, base=HubTask, name=TASK)
def publish_availability(self: HubTask, scope: str = Scope.CHANGED, reason: str = "scheduled") -> dict[str, Any]:
    """Recompute every SKU (scope "all") or those whose inventory changed (scope "changed")."""
    chosen = Scope(scope)
    if chosen is Scope.SKUS:
        raise ValueError("hub.export.availability takes scope 'all' or 'changed'; name SKUs from the command line")
    rules = rules_from(self.runtime.settings.worker.availability_rules)
    with self.runtime.database.session() as session:
        result = publish(session, rules, reason=reason, scope=chosen)
    return {"run_id": result.run_id, "scope": str(result.scope), "computed": result.computed, "changed": result.changed}
