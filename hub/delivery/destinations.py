"""Delivery destinations: who fulfils a location, and whether deliveries may go to them.

A destination is a connector account (``shipstation:main``), an X12 partner (``edi:ACME``), or ``self`` (the
operator ships by hand). Its ``delivery_destinations`` row, created on first use, says whether it is paused
(by an operator, or because the partner refused the hub's credentials) and holds its circuit breaker (moved
by ``hub.delivery.breaker``). Pausing holds every delivery to it; resuming makes the held ones due at once,
so the next relay pass sends them instead of waiting out their backoff.

``check_fulfiller`` is what ``orderhub location add --fulfilled-by`` accepts, and
``locations_without_fulfiller`` what ``/healthz`` and ``orderhub connector list`` warn about: a location
holding stock that nobody is named to ship from, whose fulfillment orders would never leave the hub.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from hub.db.models import Delivery, DeliveryDestination, DeliveryStatus, InventoryLevel, Location, Partner
from hub.db.models.base import utcnow
from hub.delivery.accounts import find_account, split_destination
from hub.errors import InputRejected

SELF = "self"
EDI = "edi"


def destination_state(session: Session, destination: str) -> DeliveryDestination:
    """The destination's row, created (not paused, breaker closed) the first time it is asked for."""
    row = session.get(DeliveryDestination, destination)
    if row is None:
        row = DeliveryDestination(destination=destination, paused=False, breaker="closed", failures=0)
        session.add(row)
        session.flush()
    return row


def pause(session: Session, destination: str, reason: str) -> DeliveryDestination:
    """Hold every delivery to ``destination`` until it is resumed; ``reason`` is kept for the operator."""
    row = destination_state(session, destination)
    row.paused, row.paused_reason, row.updated_at = True, reason, utcnow()
    session.flush()
    return row


def resume(session: Session, destination: str) -> int:
    """Let deliveries go to ``destination`` again; its held (pending) deliveries become due now. Returns how
    many were held."""
    row = destination_state(session, destination)
    row.paused, row.paused_reason, row.updated_at = False, None, utcnow()
    released: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(Delivery)
        .where(Delivery.destination == destination, Delivery.status == DeliveryStatus.PENDING)
        .values(next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return int(released.rowcount or 0)


def check_fulfiller(session: Session, value: str) -> str:
    """``value`` if it names someone who can fulfil a location: ``self``, ``edi:PARTNER`` of a known partner,
    or ``CONNECTOR:ACCOUNT`` of a configured account; ``InputRejected`` saying which otherwise."""
    if value == SELF:
        return value
    kind, name = split_destination(value)
    if kind == EDI:
        if session.get(Partner, name) is None:
            raise InputRejected(f"--fulfilled-by {value}: no trading partner {name!r} (see `orderhub partner list`)")
        return value
    if find_account(session, kind, name) is None:
        raise InputRejected(
            f"--fulfilled-by {value}: no connector account {value!r}; add it first with "
            f"`orderhub connector add {kind} {name} ...`, or give self or edi:PARTNER"
        )
    return value


@dataclass(frozen=True)
class Unfulfilled:
    """An active location with stock on hand and no one named to fulfil it."""

    location_id: str
    on_hand: int

    @property
    def warning(self) -> str:
        return (
            f"location {self.location_id} holds {self.on_hand} units on hand but nobody fulfils it: its "
            f"fulfillment orders stay in the hub (orderhub location add {self.location_id} --fulfilled-by ...)"
        )


def locations_without_fulfiller(session: Session) -> list[Unfulfilled]:
    """Active locations with units on hand and no ``fulfilled_by``, by id."""
    query = (
        select(Location.id, func.sum(InventoryLevel.on_hand))
        .join(InventoryLevel, InventoryLevel.location_id == Location.id)
        .where(Location.fulfilled_by.is_(None), Location.active.is_(True))
        .group_by(Location.id)
        .having(func.sum(InventoryLevel.on_hand) > 0)
        .order_by(Location.id)
    )
    return [Unfulfilled(location_id, int(units)) for location_id, units in session.execute(query)]
