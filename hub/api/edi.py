"""``/api/v1/edi/interchanges``: X12 interchanges received and sent, each set's status and acknowledgment (997/
999 or TA1), and the raw X12 (as sent, or the inbox message it came in). Replaying one received is replaying
its inbox message (``POST /api/v1/inbox/{id}/replay``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.conditional import etag_of
from hub.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, fetch_page
from hub.api.problems import stored
from hub.api.registry import Call, QueryModel, Reply, operation
from hub.db.models import EdiInterchange, EdiTransaction, InboxMessage


class InterchangeFilters(QueryModel):
    partner: str | None = Field(default=None, max_length=64, pattern=r"^[^\x00]*$")
    direction: Literal["in", "out"] | None = None
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=400, description="next_cursor of the previous page.")


class TransactionSet(BaseModel):
    set_id: str = Field(description="850, 856, 997 ...")
    control_number: str
    reference: str | None = Field(description="PO number, shipment id, invoice number.")
    order_id: str | None
    status: str
    ack_status: str | None = Field(description="What the partner's 997/999 said of it (sets sent).")
    ack_codes: list[str]
    acknowledged_at: str | None
    error: str | None


class Interchange(BaseModel):
    id: int
    direction: str
    partner: str | None
    kind: str
    control_number: str
    sender: str
    receiver: str
    usage: str = Field(description="P production, T test.")
    status: str
    ta1: str | None
    transport: str | None
    created_at: str
    sent_at: str | None
    error: str | None
    inbox_message_id: int | None
    sets: list[TransactionSet]


class InterchangePage(BaseModel):
    items: list[Interchange]
    next_cursor: str | None


class InterchangeDetail(Interchange):
    x12: str | None = Field(description="The X12 text as sent, or as received.")


def _set_view(s: EdiTransaction) -> dict[str, object]:
    return {
        "set_id": s.set_id, "control_number": s.control_number, "reference": s.reference, "order_id": s.order_id,
        "status": s.status, "ack_status": s.ack_status, "ack_codes": list(s.ack_codes or []),
        "acknowledged_at": s.acknowledged_at.isoformat() if s.acknowledged_at else None, "error": s.error,
    }  # fmt: skip


def interchange_views(session: Session, rows: Sequence[EdiInterchange]) -> list[dict[str, object]]:
    """Each interchange as the API shows it, with its sets: read for every row in one IN query, so a page of
    interchanges costs two queries, not one per interchange."""
    sets: dict[int, list[dict[str, object]]] = defaultdict(list)
    if rows:
        found = select(EdiTransaction).where(EdiTransaction.interchange_id.in_([row.id for row in rows]))
        for one in session.scalars(found.order_by(EdiTransaction.id)):
            sets[one.interchange_id].append(_set_view(one))
    return [
        {"id": row.id, "direction": row.direction, "partner": row.partner_id, "kind": row.kind,
         "control_number": row.control_number, "sender": row.sender, "receiver": row.receiver, "usage": row.usage,
         "status": row.status, "ta1": row.ta1_code, "transport": row.transport,
         "created_at": row.created_at.isoformat(), "sent_at": row.sent_at.isoformat() if row.sent_at else None,
         "error": row.error, "inbox_message_id": row.inbox_message_id, "sets": sets.get(row.id, [])}
        for row in rows
    ]  # fmt: skip


@operation("GET", "/edi/interchanges", scope="read", tag="edi", query=InterchangeFilters, response=InterchangePage,
           summary="X12 interchanges received and sent, newest first, with each set's acknowledgment")  # fmt: skip
def list_interchanges(call: Call) -> InterchangePage:
    q: InterchangeFilters = call.query
    query = select(EdiInterchange)
    if q.partner is not None:
        query = query.where(EdiInterchange.partner_id == q.partner)
    if q.direction is not None:
        query = query.where(EdiInterchange.direction == q.direction)
    rows, cursor = fetch_page(
        call.session, query, [EdiInterchange.id], [int], limit=q.limit, cursor=q.cursor, key=lambda row: [row.id]
    )
    items = [Interchange.model_validate(view) for view in interchange_views(call.session, rows)]
    return InterchangePage(items=items, next_cursor=cursor)


@operation("GET", "/edi/interchanges/<int:interchange_id>", scope="read", tag="edi", response=InterchangeDetail,
           etag=True, summary="One interchange with its sets and its raw X12")  # fmt: skip
def get_interchange(call: Call, interchange_id: int) -> Reply:
    row = stored(call.session, EdiInterchange, interchange_id, f"no interchange {interchange_id}")
    text = row.text
    if text is None and row.inbox_message_id is not None:
        message = call.session.get(InboxMessage, row.inbox_message_id)
        text = message.body.decode("utf-8", errors="replace") if message is not None else None
    view = interchange_views(call.session, [row])[0] | {"x12": text}
    return Reply(InterchangeDetail.model_validate(view), etag_of(view))
