"""Sending outbound interchanges: a pending ``edi_interchanges`` row goes to its partner over the first
transport in the partner's profile (or the first of the type the row names), and the row records the outcome.

What each failure does to the row (the classes are those of ``hub.sdk.errors``):

* delivered (or the partner says it already has it, HTTP 409): ``sent``, with ``sent_at``, ``transport`` and
  ``filename``; the interchange's transaction sets become ``sent`` too;
* transient (unreachable, time-out, 408/425/429/5xx): stays ``pending`` with the error; the ``hub.edi.send``
  task retries it (``RETRY_BACKOFF`` doubling to ``RETRY_BACKOFF_MAX``, jittered, ``MAX_RETRIES`` times), and
  the last retry marks it ``failed``;
* configuration (credentials refused, host key mismatch, missing directory or secret, no transport, inactive
  partner): stays ``pending`` with the error, held until an operator fixes the profile; the sweep tries it
  again on a widening schedule and gives up after ``MAX_ATTEMPTS`` attempts;
* permanent (another 4xx, a name taken by other content, a partner that no longer exists): ``failed``.

Every attempt is counted before the file leaves, so an attempt cut short by a crash still counts. A row that
is not pending is left alone, which makes a second run harmless, and ``send_lock`` keeps two runs from
sending at the same time. A crash after the partner took the file but before the row says ``sent`` means
one resend; the partner recognises the repeated ISA13 (TA1 note 025).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from sqlalchemy import select, update

from hub.db.models import EdiInterchange, EdiTransaction
from hub.db.models.base import as_utc, utcnow
from hub.db.session import Database
from hub.edi.partners import InvalidProfile, Transport, UnknownPartner, get_partner
from hub.edi.transports.http_outbound import post_interchange
from hub.edi.transports.mailbox import write_mailbox
from hub.edi.transports.send_lock import send_lock
from hub.edi.transports.sftp import put_sftp
from hub.errors import ConfigurationError as HubConfigurationError
from hub.sdk.errors import AlreadyDelivered, ConfigurationError, ConnectorError, PermanentError, TransientError

log = logging.getLogger(__name__)

# The hub.edi.send task's retry policy (the task reads it from here, so the sweep below can stay behind it).
RETRY_BACKOFF = 30
RETRY_BACKOFF_MAX = 600
MAX_RETRIES = 8
# The sweep: how long a row may wait for its first attempt, and when it stops trying.
FIRST_ATTEMPT_GRACE = timedelta(seconds=60)
MAX_ATTEMPTS = 24
LOST_IN_QUEUE = timedelta(minutes=10)  # with a backlog in the edi queue, a due row may only be waiting
ERROR_CHARS = 4000


@dataclass(frozen=True)
class SendOutcome:
    """What one run did: ``sent``, ``pending`` (held, or to be retried), ``failed``, ``busy`` (another run
    holds the row) or ``missing``; ``detail`` says why when it was not sent now."""

    status: str
    detail: str | None = None


@dataclass(frozen=True)
class Attempt:
    interchange_id: int
    number: int
    partner_id: str | None
    control_number: str
    text: str | None
    filename: str
    wanted_transport: str | None


def default_filename(partner_id: str | None, control_number: str, created_at: datetime) -> str:
    """``<partner>_<ISA13>_<created, UTC>.x12``: stable for a row, so a resend reuses the name."""
    return f"{partner_id or 'partner'}_{control_number}_{as_utc(created_at):%Y%m%d%H%M%S}.x12"


def send_interchange(
    database: Database,
    interchange_id: int,
    *,
    final: bool = False,
    http: requests.Session | None = None,
    environ: dict[str, str] | None = None,
    now: datetime | None = None,
) -> SendOutcome:
    """Send the interchange if it is pending. With ``final`` (the task's last retry) a transient failure
    marks it failed; otherwise a transient failure is recorded and raised for the task to retry. ``now``
    is the time recorded as sent, the clock's unless given."""
    with send_lock(database, interchange_id) as held:
        if not held:
            return SendOutcome("busy", "another worker is sending this interchange")
        attempt = _start(database, interchange_id)
        if isinstance(attempt, SendOutcome):
            return attempt
        transport: Transport | None = None
        try:
            transport = _transport(database, attempt)
            _deliver(attempt, transport, http=http, environ=environ)
        except AlreadyDelivered:
            pass
        except TransientError as exc:
            if final:
                return _record(database, attempt, transport, "failed", exc, prefix="gave up after retries: ")
            _record(database, attempt, transport, "pending", exc)
            raise
        except PermanentError as exc:
            return _record(database, attempt, transport, "failed", exc)
        except (ConfigurationError, HubConfigurationError) as exc:
            return _record(database, attempt, transport, "pending", exc)
        assert transport is not None
        return _mark_sent(database, attempt, transport, now or utcnow())


def _start(database: Database, interchange_id: int) -> Attempt | SendOutcome:
    """Count the attempt and fix the file name, committed before anything leaves; or say why not to send."""
    with database.session() as session:
        row = session.get(EdiInterchange, interchange_id)
        if row is None or row.direction != "out":
            return SendOutcome("missing", f"no outbound interchange {interchange_id}")
        if row.status != "pending":
            return SendOutcome(row.status, f"interchange {interchange_id} is {row.status}; left alone")
        row.attempts += 1
        row.filename = row.filename or default_filename(row.partner_id, row.control_number, row.created_at)
        return Attempt(row.id, row.attempts, row.partner_id, row.control_number, row.text, row.filename, row.transport)


def _transport(database: Database, attempt: Attempt) -> Transport:
    """The partner's transport for this interchange; classified errors when there is none to use."""
    if attempt.text is None:
        raise PermanentError("the interchange has no X12 text to send")
    if attempt.partner_id is None:
        raise PermanentError("the interchange has no partner (the partner was deleted)")
    try:
        with database.session() as session:
            record = get_partner(session, attempt.partner_id)
    except UnknownPartner:
        raise PermanentError(f"partner {attempt.partner_id!r} no longer exists") from None
    except InvalidProfile as exc:
        raise ConfigurationError(str(exc)) from None
    if not record.active:
        raise ConfigurationError(f"partner {record.id!r} is inactive; activate it to send")
    candidates = [t for t in record.profile.transports if attempt.wanted_transport in (None, t.type)]
    if not candidates:
        wanted = f"{attempt.wanted_transport} " if attempt.wanted_transport else ""
        raise ConfigurationError(
            f"partner {record.id!r} has no {wanted}transport to send with; add one with"
            f" `orderhub partner add {record.id} --transport ...`"
        )
    return candidates[0]


def _deliver(
    attempt: Attempt, transport: Transport, *, http: requests.Session | None, environ: dict[str, str] | None
) -> None:
    assert attempt.text is not None
    data = attempt.text.encode("utf-8")  # the writer emits the X12 basic and extended sets; ASCII stays ASCII
    if transport.type == "http":
        key = f"orderhub:{attempt.partner_id}:{attempt.control_number}"
        post_interchange(transport, attempt.filename, data, idempotency_key=key, http=http, environ=environ)
    elif transport.type == "mailbox":
        write_mailbox(transport, attempt.filename, data)
    else:
        put_sftp(transport, attempt.filename, data, environ=environ)


def _record(
    database: Database,
    attempt: Attempt,
    transport: Transport | None,
    status: str,
    error: ConnectorError | HubConfigurationError,
    prefix: str = "",
) -> SendOutcome:
    failure = getattr(error, "failure", "configuration")
    via = transport.type if transport is not None else "no transport"
    message = f"{prefix}attempt {attempt.number} ({via}): {failure}: {error}"[:ERROR_CHARS]
    with database.session() as session:
        session.execute(
            update(EdiInterchange)
            .where(EdiInterchange.id == attempt.interchange_id)
            .values(status=status, error=message)
        )
    log.warning("interchange %s for partner %s: %s", attempt.interchange_id, attempt.partner_id, message)
    return SendOutcome(status, message)


def _mark_sent(database: Database, attempt: Attempt, transport: Transport, now: datetime) -> SendOutcome:
    with database.session() as session:
        session.execute(
            update(EdiInterchange)
            .where(EdiInterchange.id == attempt.interchange_id)
            .values(status="sent", sent_at=now, transport=transport.type, filename=attempt.filename, error=None)
        )
        session.execute(
            update(EdiTransaction)
            .where(EdiTransaction.interchange_id == attempt.interchange_id, EdiTransaction.status == "pending")
            .values(status="sent")
        )
    return SendOutcome("sent")


# -- the sweep --------------------------------------------------------------------------------------------


def resend_due(created_at: datetime, attempts: int) -> datetime:
    """When the sweep may publish a pending row again, counted from its creation.

    The time allowed per attempt made is twice the longest wait the task's own retries take before the next
    one, so a retry chain that is still alive always attempts (and moves this time on) before the sweep
    would; the sweep publishes only rows never attempted, held by a configuration problem, or whose retries
    were lost with a worker.
    """
    allowed = sum(2 * min(RETRY_BACKOFF * 2**k, RETRY_BACKOFF_MAX) for k in range(attempts))
    return as_utc(created_at) + FIRST_ATTEMPT_GRACE + timedelta(seconds=allowed)


def due_for_sending(database: Database, *, now: datetime | None = None, backlog: bool = False) -> list[int]:
    """Ids of pending outbound interchanges to publish again; ones that reached MAX_ATTEMPTS are marked failed.

    With a ``backlog`` in the queue, a due row may just be waiting its turn, so only rows overdue by a further
    ``LOST_IN_QUEUE`` are taken.
    """
    moment = now or utcnow()
    margin = LOST_IN_QUEUE if backlog else timedelta(0)
    with database.session() as session:
        rows = session.execute(
            select(EdiInterchange.id, EdiInterchange.attempts, EdiInterchange.created_at)
            .where(
                EdiInterchange.direction == "out",
                EdiInterchange.status == "pending",
                EdiInterchange.created_at < moment - FIRST_ATTEMPT_GRACE,
            )
            .order_by(EdiInterchange.id)
            .limit(5000)
        ).all()
        due = [row for row in rows if resend_due(row.created_at, row.attempts) + margin <= moment]
        exhausted = [row.id for row in due if row.attempts >= MAX_ATTEMPTS]
        for item in session.scalars(select(EdiInterchange).where(EdiInterchange.id.in_(exhausted))):
            item.status = "failed"
            item.error = f"gave up after {item.attempts} attempts: {item.error or 'no error recorded'}"[:ERROR_CHARS]
    return [row.id for row in due if row.attempts < MAX_ATTEMPTS]
