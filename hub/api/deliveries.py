"""``/api/v1/deliveries``: what the hub owes its partners, each attempt, replaying and cancelling.

The views are ``hub.delivery.views`` (what ``orderhub deliveries`` prints) and the actions
``hub.delivery.replay``; a replay here makes the delivery pending with a fresh retry budget and hands it to
the workers (the CLI sends it from its own process instead: a web request does not wait on a partner).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from hub.api.conditional import check_if_match, etag_of
from hub.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, fetch_page
from hub.api.problems import Problem
from hub.api.registry import BodyModel, Call, QueryModel, Reply, operation
from hub.db.models import Delivery, DeliveryStatus
from hub.delivery import replay as actions
from hub.delivery.views import delivery_details, delivery_summary
from hub.errors import InputRejected
from hub.web.extension import hub_extension


class DeliveryFilters(QueryModel):
    status: DeliveryStatus | None = Field(default=None, description="Only deliveries in this status.")
    connector: str | None = Field(
        default=None, max_length=200, pattern=r"^[^\x00]*$",
        description="A connector (shipstation) or one destination (shipstation:main).",
    )  # fmt: skip
    order_id: str | None = Field(default=None, max_length=40, pattern=r"^[^\x00]*$")
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=400, description="next_cursor of the previous page.")


class Attempt(BaseModel):
    number: int
    started_at: str | None
    seconds: float | None
    outcome: str | None
    status_code: int | None
    error: str | None
    response_excerpt: str | None


class DeliverySummary(BaseModel):
    id: int
    status: str
    operation: str
    destination: str
    subject: str
    order_id: str | None
    attempts: int
    next_attempt_at: str | None
    delivered_at: str | None
    external_id: str | None
    last_error: str | None


class DeliveryPage(BaseModel):
    items: list[DeliverySummary]
    next_cursor: str | None


class DeliveryDetail(BaseModel):
    """As ``orderhub deliveries show --json`` prints it: ``attempts`` lists every attempt, oldest first."""

    id: int
    status: str
    operation: str
    destination: str
    subject: str
    order_id: str | None
    next_attempt_at: str | None
    delivered_at: str | None
    external_id: str | None
    last_error: str | None
    idempotency_key: str
    queue: str
    destination_paused: str | None = None
    attempts: list[Attempt]
    payload: dict[str, Any]


class CancelDelivery(BodyModel):
    reason: str = Field(default="no longer wanted", min_length=1, max_length=500)


class ReplayDelivery(BodyModel):
    """Nothing to give: the delivery is sent again as it is."""


@operation("GET", "/deliveries", scope="read", tag="deliveries", query=DeliveryFilters, response=DeliveryPage,
           summary="Deliveries, newest first")  # fmt: skip
def list_deliveries(call: Call) -> DeliveryPage:
    q: DeliveryFilters = call.query
    query = actions.listing(status=q.status, connector=q.connector, order_id=q.order_id).order_by(None)
    rows, cursor = fetch_page(
        call.session, query, [Delivery.id], [int], limit=q.limit, cursor=q.cursor, key=lambda row: [row.id]
    )
    return DeliveryPage(items=[DeliverySummary.model_validate(delivery_summary(r)) for r in rows], next_cursor=cursor)


@operation("GET", "/deliveries/<int:delivery_id>", scope="read", tag="deliveries", response=DeliveryDetail,
           etag=True, summary="One delivery with every attempt and its payload")  # fmt: skip
def get_delivery(call: Call, delivery_id: int) -> Reply:
    return Reply(*_read(call, delivery_id))


def _read(call: Call, delivery_id: int) -> tuple[DeliveryDetail, str]:
    row = call.session.get(Delivery, delivery_id)
    if row is None:
        raise Problem(404, f"no delivery {delivery_id}")
    view = delivery_details(call.session, row)
    return DeliveryDetail.model_validate(view), etag_of(view)


@operation("POST", "/deliveries/<int:delivery_id>/replay", scope="operate", tag="deliveries", body=ReplayDelivery,
           response=DeliveryDetail, if_match=True, etag=True, problems=(409,),
           summary="Send a dead or cancelled delivery again, with a fresh retry budget")  # fmt: skip
def replay_delivery(call: Call, delivery_id: int) -> Reply:
    _model, etag = _read(call, delivery_id)
    check_if_match(call.if_match, etag)
    try:
        actions.check_replayable(call.session, delivery_id)
    except InputRejected as refused:
        raise Problem(409, str(refused)) from None
    actions.make_pending(call.session, [delivery_id])
    call.session.expire_all()
    call.after_commit.append(lambda: publish([delivery_id]))
    return Reply(*_read(call, delivery_id))


@operation("POST", "/deliveries/<int:delivery_id>/cancel", scope="operate", tag="deliveries", body=CancelDelivery,
           response=DeliveryDetail, if_match=True, etag=True, problems=(409,),
           summary="Withdraw a pending or dead delivery")  # fmt: skip
def cancel_delivery(call: Call, delivery_id: int) -> Reply:
    _model, etag = _read(call, delivery_id)
    check_if_match(call.if_match, etag)
    try:
        actions.cancel(call.session, delivery_id, f"{call.body.reason} ({call.actor})")
    except InputRejected as refused:
        raise Problem(409, str(refused)) from None
    call.session.expire_all()
    return Reply(*_read(call, delivery_id))


def publish(ids: list[int]) -> bool:
    """Hand ``ids`` to the workers now; the delivery sweep sends them anyway if the broker does not answer."""
    from hub.worker.tasks.deliver import publish_deliveries

    try:
        publish_deliveries(hub_extension().celery, ids)
    except Exception:  # noqa: BLE001 - stored and pending: the sweep publishes it
        return False
    return True

