"""Polling a partner's folder transports (mailbox directories and SFTP) for the files it left for the hub.

Every mailbox and SFTP transport of the partner is polled, in profile order, even when an earlier one fails:
a broken SFTP server must not hold up the mailbox beside it. Failures are collected in the result
(``PollResult.failures``), so the caller can hand over what was stored before it raises them with
``raise_failure``: transient first (the task retries the whole poll, which stores nothing twice), then
configuration (an operator must act). An inactive partner is not polled.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from hub.db.models import Partner
from hub.db.session import Database
from hub.edi.partners import (
    EDI_KINDS,
    InvalidProfile,
    MailboxTransport,
    SftpTransport,
    UnknownPartner,
    get_partner,
    parse_profile,
)
from hub.edi.transports.folders import PollResult
from hub.edi.transports.mailbox import poll_mailbox
from hub.edi.transports.sftp import poll_sftp
from hub.errors import ConfigurationError as HubConfigurationError
from hub.sdk.errors import ConfigurationError, ConnectorError

log = logging.getLogger(__name__)

FOLDER_TYPES = ("mailbox", "sftp")


def poll_partner(database: Database, partner_id: str, *, environ: dict[str, str] | None = None) -> PollResult:
    """Store what the partner's folder transports hold; failures are in ``failures``, not raised."""
    result = PollResult()
    try:
        with database.session() as session:
            record = get_partner(session, partner_id)
    except (UnknownPartner, InvalidProfile) as exc:
        result.failures.append(ConfigurationError(str(exc)))
        return result
    if not record.active:
        return result
    for position, transport in enumerate(record.profile.transports):
        where = f"partner {partner_id}, transport {position} ({transport.type})"
        try:
            if isinstance(transport, MailboxTransport):
                result.add(poll_mailbox(database, partner_id, transport))
            elif isinstance(transport, SftpTransport):
                result.add(poll_sftp(database, partner_id, transport, environ=environ))
        except ConnectorError as exc:
            result.failures.append(type(exc)(f"{where}: {exc}"))
        except (HubConfigurationError, OSError) as exc:
            result.failures.append(ConfigurationError(f"{where}: {exc}"))
    for failure in result.failures:
        log.warning("EDI poll: %s", failure)
    for error in result.errors:
        log.warning("EDI poll, partner %s: %s", partner_id, error)
    return result


def pollable_partners(database: Database) -> list[str]:
    """Active EDI partners with at least one mailbox or SFTP transport (a partner whose stored profile no
    longer validates is reported in the log and left out, so it cannot stop the others being polled)."""
    found = []
    with database.session() as session:
        rows = session.scalars(select(Partner).where(Partner.kind.in_(EDI_KINDS), Partner.active.is_(True)))
        for row in rows.all():
            try:
                profile = parse_profile(row.profile, f"partner {row.id}")
            except InvalidProfile as exc:
                log.error("EDI poll skips partner %s: %s", row.id, exc)
                continue
            if any(t.type in FOLDER_TYPES for t in profile.transports):
                found.append(row.id)
    return sorted(found)
