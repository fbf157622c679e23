"""``/api/v1/subscribers``: systems that receive the hub's order events (the ``events:NAME`` connector
accounts), through the same code as ``orderhub subscriber`` (``hub.events.subscribers``).

The signing secret is made by the hub and is in the answer that makes it (creating, rotating) and nowhere
else: views say only whether each secret is set. Settings are checked by the events connector's own
``Config``, so a bad one is a 422 naming the field; a URL that resolves to a private address without
``allow_private_network`` is refused the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.conditional import check_if_match, etag_of
from hub.api.destination_views import destination_views
from hub.api.pagination import PageQuery, fetch_page
from hub.api.problems import Problem, bad_field, from_validation
from hub.api.registry import BodyModel, Call, Reply, operation
from hub.db.models import ConnectorAccount
from hub.delivery.accounts import connector_class, find_account
from hub.delivery.destinations import pause, resume
from hub.events import subscribers as store
from hub.events.plan import CONNECTOR
from hub.web.extension import hub_extension

NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
TEXT = r"^[^\x00]*$"
SecretState = Literal["set", "unset"]


class SubscriberView(BaseModel):
    name: str
    url: str | None
    events: list[str]
    allow_private_network: bool
    timeout: float
    low_stock_threshold: int
    active: bool = Field(description="False once deleted: nothing more is planned for it.")
    paused: bool = Field(description="Held by an operator, or disabled after failing (paused_reason says why).")
    paused_reason: str | None
    breaker: str
    failures: int
    secrets: dict[str, SecretState] = Field(description="secret, and previous_secret while a rotation is under way.")
    deliveries: dict[str, int] = Field(description="Events planned for it, by delivery status.")


class Subscribers(BaseModel):
    items: list[SubscriberView]
    next_cursor: str | None


class NewSubscriber(BodyModel):
    name: str = Field(pattern=NAME, description="Its name: the destination is events:NAME.")
    url: str = Field(min_length=1, max_length=2000, pattern=r"^https?://\S+$")
    events: list[str] = Field(default=["*"], min_length=1, max_length=20, description="Event types, or * for all.")
    allow_private_network: bool = Field(default=False, description="Allow a private or loopback address.")
    timeout: float = Field(default=15.0, gt=0, le=30, description="Seconds to wait for its answer.")
    low_stock_threshold: int = Field(default=5, ge=0, le=1_000_000, description="inventory.low at or below this.")


class WithSecret(SubscriberView):
    secret: str | None = Field(description="The new whsec_ signing secret, shown this once (null: none was made).")


class Rotation(BodyModel):
    finish: bool = Field(default=False, description="Stop signing with the previous secret instead.")


class PauseSubscriber(BodyModel):
    reason: str = Field(default="paused by an operator", min_length=1, max_length=500, pattern=TEXT)


class ResumeSubscriber(BodyModel):
    """Nothing to give: its held events become due now."""


def _views(session: Session, rows: Sequence[ConnectorAccount]) -> list[dict[str, Any]]:
    """Each subscriber as the API shows it, with its destination's view (``hub.api.destination_views``)."""
    destinations = destination_views(session, [f"{CONNECTOR}:{row.account}" for row in rows])
    return [
        {"name": row.account, "url": row.settings.get("url"), "events": list(row.settings.get("events", ["*"])),
         "allow_private_network": bool(row.settings.get("allow_private_network", False)),
         "timeout": float(row.settings.get("timeout", 15.0)),
         "low_stock_threshold": int(row.settings.get("low_stock_threshold", 5)), "active": row.active,
         "secrets": {key: "set" if row.secrets.get(key) else "unset" for key in ("secret", "previous_secret")},
         **destinations[f"{CONNECTOR}:{row.account}"]}
        for row in rows
    ]  # fmt: skip


def _existing(call: Call, name: str) -> ConnectorAccount:
    row = find_account(call.session, CONNECTOR, name, active_only=False)
    if row is None:
        raise Problem(404, f"no subscriber {name!r} (GET /api/v1/subscribers lists them)")
    check_if_match(call.if_match, etag_of(_views(call.session, [row])[0]))
    return row


def _answer(call: Call, name: str, *, with_secret: bool = False, secret: str | None = None) -> Reply:
    (view,) = _views(call.session, [store.get_subscriber(call.session, name)])
    model = WithSecret.model_validate(view | {"secret": secret}) if with_secret else SubscriberView(**view)
    return Reply(model, etag_of(view))


@operation("GET", "/subscribers", scope="read", tag="subscribers", query=PageQuery, response=Subscribers,
           summary="Systems that receive order events, by name, with their state and deliveries")  # fmt: skip
def list_subscribers(call: Call) -> Subscribers:
    q: PageQuery = call.query
    query = select(ConnectorAccount).where(ConnectorAccount.connector == CONNECTOR)
    rows, cursor = fetch_page(call.session, query, [ConnectorAccount.account], [str], limit=q.limit,
                              cursor=q.cursor, key=lambda row: [row.account], descending=False)  # fmt: skip
    items = [SubscriberView.model_validate(view) for view in _views(call.session, rows)]
    return Subscribers(items=items, next_cursor=cursor)


@operation("GET", "/subscribers/<name>", scope="read", tag="subscribers", response=SubscriberView, etag=True,
           summary="One subscriber: settings, state, whether its secrets are set")  # fmt: skip
def read_subscriber(call: Call, name: str) -> Reply:
    _existing(call, name)
    return _answer(call, name)


def _settings(body: NewSubscriber) -> dict[str, Any]:
    settings = body.model_dump(exclude={"name"})
    try:  # the connector's own Config decides what is valid; the secret is the hub's to make
        connector_class(CONNECTOR).Config.model_validate(settings | {"secret": SecretStr("whsec_check")})
    except ValidationError as error:
        raise from_validation(error, "body", 422) from None
    return settings


@operation("POST", "/subscribers", scope="admin", tag="subscribers", body=NewSubscriber, response=WithSecret,
           status=201, problems=(409,), summary="Add a subscriber; its secret is in this answer only")  # fmt: skip
def create_subscriber(call: Call) -> Reply:
    body: NewSubscriber = call.body
    settings = _settings(body)
    existing = find_account(call.session, CONNECTOR, body.name, active_only=False)
    if existing is not None and existing.active:
        raise Problem(409, f"subscriber {body.name!r} exists: delete it first, or choose another name")
    data_dir = hub_extension().runtime.settings.data_dir
    reference, value = store.write_secret(data_dir, body.name, "current") if existing else (None, None)
    try:
        _, _, shown = store.add_subscriber(call.session, data_dir, body.name, settings, reference)
    except store.SubscriberRefused as refused:
        raise bad_field(422, "body", "url", str(refused)) from None
    return _answer(call, body.name, with_secret=True, secret=shown or value)


@operation("POST", "/subscribers/<name>/rotate", scope="admin", tag="subscribers", body=Rotation,
           response=WithSecret, etag=True, if_match=True, problems=(409,),
           summary="Start a secret rotation (new and previous both sign), or finish one")  # fmt: skip
def rotate_secret(call: Call, name: str) -> Reply:
    row = _existing(call, name)
    if not row.active:
        raise Problem(409, f"subscriber {name!r} was deleted: add it again instead")
    data_dir = hub_extension().runtime.settings.data_dir
    try:
        shown = store.rotate_secret(call.session, data_dir, name, finish=call.body.finish)
    except store.SubscriberRefused as refused:
        raise Problem(409, str(refused)) from None
    return _answer(call, name, with_secret=True, secret=shown)


@operation("POST", "/subscribers/<name>/pause", scope="operate", tag="subscribers", body=PauseSubscriber,
           response=SubscriberView, etag=True, if_match=True, summary="Hold its events until resumed")  # fmt: skip
def pause_subscriber(call: Call, name: str) -> Reply:
    _existing(call, name)
    pause(call.session, f"{CONNECTOR}:{name}", f"{call.body.reason} ({call.actor})")
    return _answer(call, name)


@operation("POST", "/subscribers/<name>/resume", scope="operate", tag="subscribers", body=ResumeSubscriber,
           response=SubscriberView, etag=True, if_match=True,
           summary="Send to it again (also after it was disabled); held events become due now")  # fmt: skip
def resume_subscriber(call: Call, name: str) -> Reply:
    _existing(call, name)
    resume(call.session, f"{CONNECTOR}:{name}")
    return _answer(call, name)


@operation("DELETE", "/subscribers/<name>", scope="admin", tag="subscribers", response=SubscriberView,
           if_match=True, summary="Stop planning events for it; what is planned is cancelled")  # fmt: skip
def delete_subscriber(call: Call, name: str) -> Reply:
    _existing(call, name)
    store.remove_subscriber(call.session, name)
    return _answer(call, name)
