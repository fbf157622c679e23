"""The circuit breaker of each delivery destination, kept on its ``delivery_destinations`` row.

::

    closed --(threshold consecutive transient failures)--> open --(open_until passed: one claim)--> half_open
    half_open --(the probe succeeds)--> closed        half_open --(the probe fails)--> open (longer)

While a destination is open its deliveries are not claimed at all (they wait without spending attempts),
and a claim only ever skips the destinations that are open or paused, so one partner's outage never holds
up another's deliveries. The first claim after ``open_until`` turns the breaker half-open and takes a single
delivery as the probe; if the worker holding the probe dies, another probe is allowed once ``probe_timeout``
has passed. Each failed probe doubles the time the breaker stays open, up to ``max_open_seconds``.

Any answer from the partner other than a transient failure (accepted, refused as invalid, already there)
proves it is reachable, and closes the breaker.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub.db.models import DeliveryDestination
from hub.db.models.base import utcnow

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
SUCCESS, FAILURE = "success", "failure"


@dataclass(frozen=True)
class BreakerSettings:
    threshold: int = 5
    open_seconds: float = 60.0
    max_open_seconds: float = 3600.0
    probe_timeout_seconds: float = 600.0

    def open_for(self, failures: int) -> timedelta:
        """How long the breaker stays open after ``failures`` consecutive failures (``>= threshold``)."""
        doublings = min(max(failures - self.threshold, 0), 30)
        return timedelta(seconds=min(self.max_open_seconds, self.open_seconds * 2.0**doublings))


def admit(
    session: Session, destinations: Iterable[str], now: datetime, settings: BreakerSettings
) -> dict[str, int | None]:
    """How many deliveries each destination may send now: None for any number, 0 for none (paused, or
    open), 1 for the half-open probe this claim has just taken."""
    wanted = sorted(set(destinations))
    columns = (DeliveryDestination.destination, DeliveryDestination.paused, DeliveryDestination.breaker)
    query = select(*columns).where(DeliveryDestination.destination.in_(wanted))
    rows = {row.destination: row for row in session.execute(query)}
    allowed: dict[str, int | None] = {}
    for destination in wanted:
        row = rows.get(destination)
        if row is None or (not row.paused and row.breaker == CLOSED):
            allowed[destination] = None
        elif row.paused:
            allowed[destination] = 0
        else:
            allowed[destination] = 1 if _take_probe(session, destination, row.breaker, now, settings) else 0
    return allowed


def _take_probe(session: Session, destination: str, state: str, now: datetime, settings: BreakerSettings) -> bool:
    """Turn an open breaker whose time is up (or a half-open one whose probe was lost) half-open, for this
    claim only: the update is conditional, so of two claims at once one gets the probe."""
    query = update(DeliveryDestination).where(
        DeliveryDestination.destination == destination, DeliveryDestination.breaker == state
    )
    if state == OPEN:
        query = query.where(DeliveryDestination.open_until <= now)
    else:
        query = query.where(DeliveryDestination.updated_at <= now - timedelta(seconds=settings.probe_timeout_seconds))
    result = session.execute(
        query.values(breaker=HALF_OPEN, updated_at=now).execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def ensure_row(session: Session, destination: str) -> None:
    """Create the destination's row if it has none yet (two transactions may try at once: neither fails)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(DeliveryDestination).values(
        destination=destination, paused=False, breaker=CLOSED, failures=0, updated_at=utcnow()
    )
    session.execute(statement.on_conflict_do_nothing(index_elements=["destination"]))


def record(
    session: Session, destination: str, outcomes: Sequence[str], now: datetime, settings: BreakerSettings
) -> str | None:
    """Apply a chunk's outcomes for one destination, in the order they happened (``SUCCESS``/``FAILURE``);
    returns the breaker's state afterwards, or None when nothing had to be written (all well already)."""
    if not outcomes:
        return None
    query = select(DeliveryDestination).where(DeliveryDestination.destination == destination)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.scalars(query.execution_options(populate_existing=True)).one_or_none()
    if row is None:
        if FAILURE not in outcomes:
            return None  # a destination that never failed needs no row: the hot path writes nothing here
        ensure_row(session, destination)
        row = session.scalars(query.execution_options(populate_existing=True)).one()
    if FAILURE not in outcomes and row.breaker == CLOSED and row.failures == 0:
        return CLOSED
    for outcome in outcomes:
        _apply(row, outcome, now, settings)
    row.updated_at = now
    return row.breaker


def _apply(row: DeliveryDestination, outcome: str, now: datetime, settings: BreakerSettings) -> None:
    if outcome == SUCCESS:
        row.breaker, row.failures, row.open_until = CLOSED, 0, None
        return
    row.failures += 1
    if row.breaker == HALF_OPEN or row.failures >= settings.threshold:
        row.breaker, row.open_until = OPEN, now + settings.open_for(row.failures)
