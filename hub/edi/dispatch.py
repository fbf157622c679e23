"""Sending canonical documents to a partner as X12: build, validate, number, register, and queue for sending.

:func:`queue_documents` is what the delivery side calls (and ``orderhub edi send``): an 850 to a drop-ship
supplier, a 940 to an EDI 3PL, an 855/856/810 back to a trading partner that sent us its 850, an 846 to
partners. The interchange is built by ``hub.edi.outbound`` (which refuses a document that would not pass our
own validation), numbered from the partner's persistent sequences in the caller's transaction, and put on
the register with each set awaiting the partner's 997. The ``hub.edi.send`` task takes it from there; a
refused document spends no control number and registers nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from hub.canonical import CanonicalModel, Order
from hub.db.models import EdiInterchange
from hub.edi.control_numbers import draw
from hub.edi.outbound import build_interchange
from hub.edi.partners import get_partner
from hub.edi.register import QueuedSet, queue_outbound
from hub.errors import InputRejected


def queue_documents(
    session: Session,
    partner_id: str,
    documents: Sequence[CanonicalModel],
    *,
    set_ids: Sequence[str] | None = None,
    now: datetime | None = None,
) -> EdiInterchange:
    """Register one interchange carrying ``documents`` for ``partner_id``; returns its pending row.

    Raises ``hub.edi.outbound.OutboundInvalid`` for a document that cannot be sent, ``InputRejected`` for an
    unknown or inactive partner or one without a transport to send through.
    """
    partner = get_partner(session, partner_id)
    if not partner.active:
        raise InputRejected(f"partner {partner_id!r} is inactive; activate it before sending it documents")
    if not partner.profile.transports:
        raise InputRejected(f"partner {partner_id!r} has no transport to send through; add one to its profile")
    profile = partner.profile
    built = build_interchange(
        profile, documents, lambda kind: draw(session, partner_id, kind)[0], set_ids=set_ids, now=now
    )
    sets = [
        QueuedSet(
            set_id=item.set_id,
            functional_id=item.functional_id,
            group_control_number=item.group_control_number,
            gs_version=profile.gs_version,
            control_number=item.control_number,
            reference=item.reference,
            document=document.model_dump(mode="json"),
            order_id=_order_id(document),
        )
        for item, document in zip(built.transactions, documents, strict=True)
    ]
    test = any(getattr(document, "test", False) for document in documents)
    return queue_outbound(
        session,
        partner_id=partner_id,
        text=built.text,
        control_number=built.control_number,
        sender=str(profile.ours),
        receiver=str(profile.theirs),
        usage="T" if test or profile.usage == "T" else "P",
        kind="documents",
        sets=sets,
        created_at=now,
    )


def _order_id(document: CanonicalModel) -> str | None:
    """The hub order a document belongs to: an order's own id, or the order_id a shipment or invoice names."""
    if isinstance(document, Order):
        return document.id
    order_id = getattr(document, "order_id", None)
    return order_id if isinstance(order_id, str) else None
