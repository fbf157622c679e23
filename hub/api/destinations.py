"""``/api/v1/destinations``: where deliveries go (connector accounts, X12 partners, self), each with its
state (paused and why, breaker, failures) and deliveries by status; pausing and resuming one. No setting or
secret of an account is shown: those stay with ``orderhub connector show``."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.api.problems import Problem
from hub.api.registry import BodyModel, Call, operation
from hub.db.models import ConnectorAccount, Delivery, DeliveryDestination
from hub.delivery.accounts import destination_name
from hub.delivery.destinations import pause, resume


class Destination(BaseModel):
    destination: str
    connector_account: bool = Field(description="A configured connector account (else an X12 partner or self).")
    active: bool
    paused: bool
    paused_reason: str | None
    breaker: str
    failures: int
    open_until: str | None
    deliveries: dict[str, int] = Field(description="Deliveries by status.")


class Destinations(BaseModel):
    items: list[Destination]


class PauseDestination(BodyModel):
    reason: str = Field(default="paused by an operator", min_length=1, max_length=500, pattern=r"^[^\x00]*$")


class ResumeDestination(BodyModel):
    """Nothing to give: held deliveries become due now."""


def _known(session: Session) -> dict[str, bool]:
    """Every destination name the hub knows, with whether it is an active connector account."""
    known = {destination_name(r.connector, r.account): r.active for r in session.scalars(select(ConnectorAccount))}
    for name in session.scalars(select(DeliveryDestination.destination)):
        known.setdefault(name, True)
    for name in session.scalars(select(Delivery.destination).distinct()):
        known.setdefault(name, True)
    return known


def _view(session: Session, name: str, active: bool, accounts: set[str]) -> Destination:
    state = session.get(DeliveryDestination, name)
    counts = session.execute(
        select(Delivery.status, func.count()).where(Delivery.destination == name).group_by(Delivery.status)
    )
    return Destination(
        destination=name, connector_account=name in accounts, active=active,
        paused=bool(state and state.paused), paused_reason=state.paused_reason if state else None,
        breaker=state.breaker if state else "closed", failures=state.failures if state else 0,
        open_until=state.open_until.isoformat() if state and state.open_until else None,
        deliveries={status: n for status, n in counts},
    )  # fmt: skip


def _accounts(session: Session) -> set[str]:
    return {destination_name(r.connector, r.account) for r in session.scalars(select(ConnectorAccount))}


@operation("GET", "/destinations", scope="read", tag="destinations", response=Destinations,
           summary="Where deliveries go, each with its state and deliveries by status")  # fmt: skip
def list_destinations(call: Call) -> Destinations:
    accounts = _accounts(call.session)
    known = sorted(_known(call.session).items())
    return Destinations(items=[_view(call.session, name, active, accounts) for name, active in known])


def _existing(call: Call, destination: str) -> bool:
    known = _known(call.session)
    if destination not in known:
        raise Problem(404, f"no destination {destination!r} (GET /api/v1/destinations lists them)")
    return known[destination]


@operation("POST", "/destinations/<destination>/pause", scope="operate", tag="destinations", body=PauseDestination,
           response=Destination, summary="Hold every delivery to this destination until it is resumed")  # fmt: skip
def pause_destination(call: Call, destination: str) -> Destination:
    active = _existing(call, destination)
    pause(call.session, destination, f"{call.body.reason} ({call.actor})")
    return _view(call.session, destination, active, _accounts(call.session))


@operation("POST", "/destinations/<destination>/resume", scope="operate", tag="destinations", body=ResumeDestination,
           response=Destination, summary="Let deliveries go again; held ones become due now")  # fmt: skip
def resume_destination(call: Call, destination: str) -> Destination:
    active = _existing(call, destination)
    resume(call.session, destination)
    return _view(call.session, destination, active, _accounts(call.session))
