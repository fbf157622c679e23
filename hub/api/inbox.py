"""``/api/v1/inbox``: inbound messages as received (raw body, headers), what became of them, and replay.

A replay processes the message again at once, in this request, as ``orderhub inbox replay`` does (after a
mapping or the data it lacked was fixed); the answer says what it became. What it left to do (routing the
order it created, the channel confirmation of a shipment it recorded, an acknowledgment) goes to the workers
as the call ends, as after the worker's own processing (``hub.worker.follow_ups``); a broker that does not
answer leaves it to the sweeps.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select

from hub.api.conditional import check_if_match, etag_of
from hub.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, fetch_page
from hub.api.problems import Problem
from hub.api.registry import BodyModel, Call, QueryModel, Reply, operation
from hub.channels.process import MessageNotFound, Outcome, process_message
from hub.db.models import InboxMessage, InboxStatus
from hub.web.extension import hub_extension

TEXT = r"^[^\x00]*$"


class InboxFilters(QueryModel):
    status: InboxStatus | None = None
    channel: str | None = Field(default=None, max_length=64, pattern=TEXT)
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=400, description="next_cursor of the previous page.")


class MessageSummary(BaseModel):
    id: int
    source: str
    channel: str
    account: str
    topic: str | None
    status: str
    received_at: str
    attempts: int
    error: str | None


class MessagePage(BaseModel):
    items: list[MessageSummary]
    next_cursor: str | None


class MessageDetail(MessageSummary):
    dedupe_key: str | None
    content_type: str | None
    processed_at: str | None
    headers: dict[str, Any]
    body: str = Field(description="The raw body as received (UTF-8; bytes that are not are shown as U+FFFD).")


class ReplayMessage(BodyModel):
    """Nothing to give."""


class ReplayResult(BaseModel):
    status: str
    detail: str
    message: MessageDetail


def _summary(row: InboxMessage) -> dict[str, Any]:
    return {
        "id": row.id,
        "source": row.source,
        "channel": row.channel,
        "account": row.account,
        "topic": row.topic,
        "status": row.status,
        "received_at": row.received_at.isoformat(),
        "attempts": row.attempts,
        "error": row.error,
    }


@operation("GET", "/inbox", scope="read", tag="inbox", query=InboxFilters, response=MessagePage,
           summary="Inbound messages, newest first")  # fmt: skip
def list_messages(call: Call) -> MessagePage:
    q: InboxFilters = call.query
    query = select(InboxMessage)
    if q.status is not None:
        query = query.where(InboxMessage.status == q.status)
    if q.channel is not None:
        query = query.where(InboxMessage.channel == q.channel)
    rows, cursor = fetch_page(
        call.session, query, [InboxMessage.id], [int], limit=q.limit, cursor=q.cursor, key=lambda row: [row.id]
    )
    return MessagePage(items=[MessageSummary.model_validate(_summary(row)) for row in rows], next_cursor=cursor)


def read_message(call: Call, inbox_id: int) -> Reply:
    row = call.session.get(InboxMessage, inbox_id)
    if row is None:
        raise Problem(404, f"no inbox message {inbox_id}")
    view = _summary(row) | {
        "dedupe_key": row.dedupe_key,
        "content_type": row.content_type,
        "processed_at": row.processed_at.isoformat() if row.processed_at else None,
        "headers": row.headers or {},
        "body": row.body.decode("utf-8", errors="replace"),
    }
    return Reply(MessageDetail.model_validate(view), etag_of(view))


@operation("GET", "/inbox/<int:inbox_id>", scope="read", tag="inbox", response=MessageDetail, etag=True,
           summary="One message with its headers and raw body")  # fmt: skip
def get_message(call: Call, inbox_id: int) -> Reply:
    return read_message(call, inbox_id)


@operation("POST", "/inbox/<int:inbox_id>/replay", scope="operate", tag="inbox", body=ReplayMessage,
           response=ReplayResult, if_match=True, etag=True, own_transactions=True,
           summary="Process the message again now")  # fmt: skip
def replay_message(call: Call, inbox_id: int) -> Reply:
    check_if_match(call.if_match, read_message(call, inbox_id).etag or "")
    try:
        outcome = process_message(hub_extension().runtime.database, inbox_id, replay=True)
    except MessageNotFound as missing:
        raise Problem(404, str(missing)) from None
    call.after_commit.append(lambda: _follow_up(outcome))
    call.session.expire_all()
    reply = read_message(call, inbox_id)
    message = MessageDetail.model_validate(reply.model.model_dump())
    return Reply(ReplayResult(status=outcome.status, detail=outcome.detail, message=message), reply.etag)


def _follow_up(outcome: Outcome) -> None:
    """Hand what the replay left to do to the workers; a broker that does not answer leaves it to the sweeps."""
    from hub.worker.follow_ups import FollowUps  # the worker's task modules load when a replay needs them

    FollowUps(hub_extension().celery)(outcome)
