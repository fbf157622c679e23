"""Orders routing can never place by trying again: parked as exceptions until a person routes them by hand.

Routing an order can fail in two ways. Some failures pass: a race for stock lost every time
(``StockKeptMoving``), another transaction changing the order (``LifecycleConflict``), the database dropping
the connection or a lock timing out (``OperationalError``). The task retries those, and the sweep routes the
order again later. Others come from the order itself and fail the same way on every try: a stored document
the canonical model now refuses, a value its column cannot hold, a lifecycle refusal. Retried, such an
order would fail every minute for ever, with a traceback each time. Failures of the hub's own setup (a
configuration error, a missing table) are neither: they are the operator's to fix, after which the
retries succeed, so they are raised as they are.

``park`` records a failure of the second kind, in a transaction of its own after the routing rolled back:

* the order's ``order_routings`` row gets the outcome ``exception`` and waits for nothing, so the sweep
  neither routes it as never routed nor as due again (``hub.oms.waiting``);
* the order is put on hold with the reason ``routing failed: <error>`` (``order_lifecycles.hold_reason``,
  status ``on_hold``), when its lifecycle can be started and held at all (a lifecycle already on hold
  keeps its own reason);
* the timeline gets ``routing.failed`` with the error.

``orderhub route order ID`` releases it: routing by hand clears the exception and the hold it set, and
routes the order; should it fail again, it is parked again with the new reason. Routing from a task
(``release=False``) leaves a parked order alone.
"""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, ProgrammingError, SQLAlchemyError
from sqlalchemy.orm import Session

from hub.db.models import OrderRecord, OrderRouting
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.db.transient import DATABASE_TRANSIENT
from hub.errors import ConfigurationError, HubError, ServiceUnavailable
from hub.lifecycle import LifecycleConflict, OrderLifecycle
from hub.lifecycle.commands import Hold, ReleaseHold
from hub.lifecycle.store import execute, start
from hub.orders.store import record_event
from hub.routing.validation import describe as describe_fields
from hub.sdk.errors import TransientError

EXCEPTION = "exception"  # order_routings.outcome of a parked order
ROUTING_FAILED = "routing.failed"
HOLD_PREFIX = "routing failed: "
REASON_LENGTH = 500  # of the error in the reason: a hold reason is at most 2,000 characters
log = logging.getLogger(__name__)

# Failures that pass: the task retries them (StockKeptMoving joins them in hub.oms.route).
TRANSIENT: tuple[type[BaseException], ...] = (LifecycleConflict, *DATABASE_TRANSIENT, TransientError)
# Failures of the hub's setup rather than of the order: fixing the setup lets the retries succeed.
NOT_THE_ORDER: tuple[type[BaseException], ...] = (ConfigurationError, ServiceUnavailable, ProgrammingError)


class RoutingFailed(HubError):
    """Routing the order failed in a way trying again cannot mend; the order is parked as an exception."""


def parks(error: BaseException) -> bool:
    """Whether ``error`` comes from the order itself, so that routing it again would fail the same way."""
    return isinstance(error, Exception) and not isinstance(error, TRANSIENT + NOT_THE_ORDER)


def describe(error: BaseException) -> str:
    """The error as one line a person can act on: the database's own message rather than the SQL around it,
    every refused field of a document."""
    if isinstance(error, DBAPIError) and error.orig is not None:
        lines = str(error.orig).strip().splitlines() or [""]
        text = f"{type(error.orig).__name__}: {lines[0]}"
    elif isinstance(error, ValidationError):
        text = f"not a valid {error.title}: {describe_fields(error)}"
    elif isinstance(error, HubError):
        text = str(error)
    else:
        text = f"{type(error).__name__}: {error}"
    text = " ".join(text.split())
    return text if len(text) <= REASON_LENGTH else text[: REASON_LENGTH - 3] + "..."


def park(database: Database, order_id: str, reason: str, *, source: str, now: datetime) -> bool:
    """Park the order as a routing exception (see the module docstring); whether it was put on hold too.
    Nothing happens to an order that is no longer stored."""
    with database.session() as session:
        dialect = session.get_bind().dialect.name
        if session.get(OrderRecord, order_id, with_for_update=dialect == "postgresql") is None:
            return False
        row = session.get(OrderRouting, order_id)
        if row is None:
            row = OrderRouting(order_id=order_id, attempts=0, ledger_mark=0, created_at=utcnow())
            session.add(row)
        row.outcome, row.rule, row.waiting, row.attempts = EXCEPTION, None, False, row.attempts + 1
        row.routed_at, row.updated_at, row.reroute_at, row.cancel_at, row.skus = now, utcnow(), None, None, []
        held = _hold(session, order_id, HOLD_PREFIX + reason, source)
        record_event(session, order_id, ROUTING_FAILED, source=source, data={"error": reason, "held": held})
    log.warning("order %s: parked as a routing exception: %s", order_id, reason)
    return held


def _hold(session: Session, order_id: str, reason: str, source: str) -> bool:
    """Hold the order with ``reason``, if its lifecycle can be started and held (in a savepoint: a lifecycle
    that cannot even start, because of the same fault routing hit, leaves the rest of the parking intact)."""
    try:
        with session.begin_nested():
            lifecycle = start(session, order_id, source=source)
            if lifecycle.hold_reason == reason:
                return True  # parked before for the same reason, and not released since
            if lifecycle.hold_reason is not None:
                if not lifecycle.hold_reason.startswith(HOLD_PREFIX):
                    return False  # held already, for a reason of its own (a test order)
                execute(session, order_id, ReleaseHold(), source=source)  # a routing failure since changed
            execute(session, order_id, Hold(reason=reason), source=source)
    except (HubError, SQLAlchemyError, ValueError) as refused:
        log.warning("order %s: not put on hold: %s", order_id, describe(refused))
        return False
    return True


def is_parked(session: Session, order_id: str) -> bool:
    row = session.get(OrderRouting, order_id)
    return row is not None and row.outcome == EXCEPTION


def release_hold(session: Session, lifecycle: OrderLifecycle, source: str) -> OrderLifecycle:
    """The lifecycle without the hold a parking set (any other hold stays)."""
    if lifecycle.hold_reason is None or not lifecycle.hold_reason.startswith(HOLD_PREFIX):
        return lifecycle
    return execute(session, lifecycle.order_id, ReleaseHold(), source=source).lifecycle
