"""Handing work a command stored to the workers at once, without making the command depend on the broker.

A command that creates deliveries (routing by hand, shipping or cancelling by hand) has already committed
them; publishing only saves the wait for the delivery sweep. A broker that does not answer is therefore
reported, not raised: the sweep sends what is still pending within ``HUB_WORKER__DELIVERY_SWEEP_SECONDS``.
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.settings import Settings


def publish_deliveries_now(settings: Settings, delivery_ids: Sequence[int]) -> bool:
    """Publish ``delivery_ids`` to their queues; False when the broker did not take them."""
    if not delivery_ids:
        return True
    from hub.runtime import Runtime
    from hub.worker.app import create_celery
    from hub.worker.tasks.deliver import publish_deliveries

    runtime = Runtime(settings)
    try:
        publish_deliveries(create_celery(settings, runtime), list(delivery_ids))
    except Exception:  # noqa: BLE001 (any broker failure: the stored deliveries are not lost)
        return False
    finally:
        runtime.close()
    return True
