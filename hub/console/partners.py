"""The partners page: each X12 trading partner, supplier and 3PL with its recent interchanges in and out,
their control numbers and what the partner's 997/999 (or TA1) said of each set sent, and the raw X12 of each.

Interchanges are read through the API's own handlers (``hub.api.edi``), so the page and
``GET /api/v1/edi/interchanges`` show the same thing. A set sent as a drop-ship PO whose acknowledgment the
supplier's terms say is late shows as ``overdue`` (``hub.edi.supplier_watch``, as on the dashboard).

A failed inbound file (its inbox message failed: a set named an unknown PO, the sender was unknown, the bytes
were not X12) is replayed through the failures page's replay (the API's inbox replay), once whatever it
lacked was fixed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from flask import abort, make_response, render_template, url_for
from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from hub.api import edi as api_edi
from hub.api import inbox as api_inbox
from hub.api.problems import Problem
from hub.console.access import blueprint, needs
from hub.console.actions import ask
from hub.db.models import EdiInterchange, EdiTransaction, InboxMessage, InboxStatus, Partner
from hub.db.models.base import utcnow
from hub.edi.intake import X12_CHANNEL
from hub.edi.partners import EDI_KINDS
from hub.edi.supplier_orders import PO_SET
from hub.edi.supplier_watch import overdue_po_numbers
from hub.web.extension import hub_extension

RECENT = 10  # interchanges shown per partner
SHOWN = 200  # partners on the page, by id; GET /api/v1/partners pages through every one
FAILED_SHOWN = 50


def _ack_counts(session: Session, partner_ids: list[str]) -> dict[str, dict[str, int]]:
    """Per partner, sets sent to it per acknowledgment state (awaiting, accepted, accepted_with_errors,
    rejected), for every partner listed in one grouped query."""
    rows = session.execute(
        select(EdiTransaction.partner_id, EdiTransaction.ack_status, func.count())
        .where(EdiTransaction.partner_id.in_(partner_ids), EdiTransaction.direction == "out")
        .group_by(EdiTransaction.partner_id, EdiTransaction.ack_status)
    )
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for partner_id, status, count in rows:
        found[str(partner_id)][str(status or "not expected")] = count
    return found


def _recent(session: Session, partner_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each partner's ``RECENT`` newest interchanges as the API shows them, read for every partner at once, so
    the page's queries do not grow with its partners: one short (partner_id, id) index range per partner
    (a window numbering every interchange of the partners would read their whole history)."""
    newest = [
        select(EdiInterchange.id).where(EdiInterchange.partner_id == partner_id)
        .order_by(EdiInterchange.id.desc()).limit(RECENT).subquery()
        for partner_id in partner_ids
    ]  # fmt: skip
    if not newest:
        return {}
    ids = union_all(*(select(each.c.id) for each in newest)).subquery("recent")
    rows = session.scalars(
        select(EdiInterchange).where(EdiInterchange.id.in_(select(ids.c.id))).order_by(EdiInterchange.id.desc())
    ).all()
    views = [api_edi.Interchange.model_validate(v).model_dump() for v in api_edi.interchange_views(session, rows)]
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for view in _with_states(session, views):
        found[view["partner"]].append(view)
    return found


def _inbox_statuses(session: Session, inbox_ids: list[int]) -> dict[int, str]:
    rows = session.execute(select(InboxMessage.id, InboxMessage.status).where(InboxMessage.id.in_(inbox_ids)))
    return {inbox_id: status for inbox_id, status in rows}


def _with_states(session: Session, exchanges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each interchange with its inbox message's status (inbound) and each set's acknowledgment state shown,
    ``overdue`` where the supplier's acknowledgment of a PO is late."""
    inbox_ids = [x["inbox_message_id"] for x in exchanges if x["inbox_message_id"]]
    statuses = _inbox_statuses(session, inbox_ids)
    sent = [s["reference"] for x in exchanges if x["direction"] == "out" for s in x["sets"] if s["set_id"] == PO_SET]
    overdue = overdue_po_numbers(session, [ref for ref in sent if ref], utcnow())
    for exchange in exchanges:
        exchange["inbox_status"] = statuses.get(exchange["inbox_message_id"])
        for one in exchange["sets"]:
            late = exchange["direction"] == "out" and one["set_id"] == PO_SET and one["reference"] in overdue
            one["ack_state"] = "overdue" if late and one["ack_status"] in (None, "awaiting") else one["ack_status"]
    return exchanges


def failed_files(session: Session) -> list[dict[str, Any]]:
    """X12 files whose processing failed, newest first (with no partner when the sender was unknown)."""
    failed = session.scalars(
        select(InboxMessage)
        .where(InboxMessage.channel == X12_CHANNEL, InboxMessage.status == InboxStatus.FAILED)
        .order_by(InboxMessage.id.desc()).limit(FAILED_SHOWN)
    )  # fmt: skip
    return [
        {"id": m.id, "account": m.account, "source": m.source, "received_at": m.received_at, "error": m.error}
        for m in failed
    ]


def partners_data() -> dict[str, Any]:
    with hub_extension().runtime.database.session() as db:
        query = select(Partner).where(Partner.kind.in_(EDI_KINDS)).order_by(Partner.id).limit(SHOWN + 1)
        rows = db.scalars(query).all()
        ids = [p.id for p in rows[:SHOWN]]
        acks, recent = _ack_counts(db, ids), _recent(db, ids)
        partners = [
            {"id": p.id, "name": p.name, "kind": p.kind, "active": p.active, "acks": acks.get(p.id, {}),
             "exchanges": recent.get(p.id, [])}
            for p in rows[:SHOWN]
        ]  # fmt: skip
        return {"partners": partners, "more": len(rows) > SHOWN, "shown": SHOWN, "recent": RECENT,
                "failed_files": failed_files(db)}  # fmt: skip


@blueprint.get("/partners")
@needs("viewer")
def partners() -> Any:
    return render_template("partners.html", **partners_data())


@blueprint.get("/partners/failed-files")
@needs("viewer")
def failed_files_part() -> Any:
    """The failed X12 files alone, polled by htmx."""
    with hub_extension().runtime.database.session() as db:
        return render_template("_failed_files.html", failed_files=failed_files(db))


def _detail(handler: Callable[..., Any], **path: Any) -> dict[str, Any]:
    """What the API's handler answers for one thing, as a dict; a refusal (nothing by that id) ends the
    request with the console's error page instead."""
    try:
        answer: dict[str, Any] = ask(handler, **path).model_dump()
    except Problem as refused:
        page = render_template("error.html", status=refused.status, message=refused.detail)
        abort(make_response(page, refused.status))
    return answer


@blueprint.get("/interchanges/<int:interchange_id>")
@needs("viewer")
def interchange(interchange_id: int) -> Any:
    """One interchange with its sets and its raw X12, as sent or as received."""
    detail = _detail(api_edi.get_interchange, interchange_id=interchange_id)
    inbox_id = detail["inbox_message_id"]
    with hub_extension().runtime.database.session() as db:
        failed = bool(inbox_id) and _inbox_statuses(db, [inbox_id]).get(inbox_id) == InboxStatus.FAILED
    facts = {k: v for k, v in detail.items() if k not in ("sets", "x12")}
    title = f"Interchange {detail['control_number']} ({detail['direction']})"
    return render_template("raw.html", title=title, facts=facts, sets=detail["sets"], raw=detail["x12"],
                           replay=inbox_id if failed else None, back=url_for("console.partners"))  # fmt: skip


@blueprint.get("/inbox/<int:inbox_id>")
@needs("viewer")
def inbox_message(inbox_id: int) -> Any:
    """One inbound message as it was received (an X12 file that could not be read, a channel's webhook)."""
    detail = _detail(api_inbox.get_message, inbox_id=inbox_id)
    facts = {k: v for k, v in detail.items() if k not in ("body", "headers")}
    back = url_for("console.partners") if detail["channel"] == X12_CHANNEL else url_for("console.failures")
    return render_template("raw.html", title=f"Inbox message {inbox_id}", facts=facts, sets=[], raw=detail["body"],
                           replay=inbox_id if detail["status"] == InboxStatus.FAILED else None, back=back)  # fmt: skip
