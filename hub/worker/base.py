"""The base class every hub task uses: access to the runtime (settings, database) of its Celery app."""

from __future__ import annotations

from celery import Task

from hub.runtime import Runtime


class HubTask(Task):  # type: ignore[misc]
    abstract = True

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.hub
        return runtime
