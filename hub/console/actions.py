"""The console's writes: each runs the API's own handler (the same checks, the same functions the CLI and
the workers use) with ``console:<email>`` as who acted, so the order's timeline names the person.

A refused action (wrong state, bad input) comes back to the page it was made from as a message; nothing is
half done, as each runs in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, request, url_for
from pydantic import BaseModel, ValidationError

from hub.api import deliveries as api_deliveries
from hub.api import inbox as api_inbox
from hub.api import order_actions as api_orders
from hub.api.problems import Problem
from hub.api.registry import Call, Reply, own_transactions
from hub.console.access import blueprint, current_user, needs
from hub.db.models import Delivery
from hub.errors import InputRejected
from hub.lifecycle.errors import LifecycleConflict, LifecycleRejected
from hub.orders.store import record_event
from hub.web.extension import hub_extension

REFUSED = (Problem, InputRejected, LifecycleRejected, LifecycleConflict)


@dataclass
class ConsoleCall(Call):
    """A ``Call`` made by a console user rather than an API token."""

    user: str = ""

    @property
    def actor(self) -> str:
        return f"console:{self.user}"


def run(handler: Callable[..., Any], body: BaseModel | None, **params: Any) -> tuple[bool, str]:
    """Run an API handler as the logged-in user; (done, what happened or why not)."""
    user = current_user()
    assert user is not None  # the view is guarded by needs()
    try:
        with hub_extension().runtime.database.session(read_only=own_transactions(handler)) as session:
            call = ConsoleCall(session, None, None, body, None, user=user.email)  # type: ignore[arg-type]
            reply = handler(call, **params)
            _note_delivery_replay(session, handler, params, user.actor)
    except REFUSED as refused:
        return False, refused.detail if isinstance(refused, Problem) else str(refused)
    for task in call.after_commit:
        task()
    model = reply.model if isinstance(reply, Reply) else reply
    return True, str(getattr(model, "done", None) or getattr(model, "detail", None) or "done")


def ask(
    handler: Callable[..., Any], query: BaseModel | None = None, body: BaseModel | None = None, **params: Any
) -> Any:
    """Run an API handler that only reads (a listing, a simulation) as the logged-in user; its answer's model.
    A ``Problem`` it raises is the caller's to show."""
    user = current_user()
    assert user is not None
    with hub_extension().runtime.database.session(read_only=True) as session:
        call = ConsoleCall(session, None, query, body, None, user=user.email)  # type: ignore[arg-type]
        reply = handler(call, **params)
        return reply.model if isinstance(reply, Reply) else reply


def _note_delivery_replay(session: Any, handler: Callable[..., Any], params: dict[str, Any], actor: str) -> None:
    """A replayed delivery of an order is noted on the order's timeline with who replayed it."""
    if handler is not api_deliveries.replay_delivery:
        return
    row = session.get(Delivery, params["delivery_id"])
    if row is not None and row.order_id:
        data = {"delivery_id": row.id, "operation": row.operation, "destination": row.destination}
        record_event(session, row.order_id, "delivery.replayed", source=actor, data=data)


def back(default: str) -> Any:
    target = request.form.get("back", "")
    return redirect(target if target.startswith("/console/") else default)


def say(done: bool, message: str) -> None:
    flash(message, "done" if done else "refused")


def checked(model: type[BaseModel], **fields: Any) -> BaseModel | None:
    try:
        return model.model_validate(fields)
    except ValidationError as invalid:
        say(False, "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in invalid.errors()[:5]))
        return None


ORDER_ACTIONS: dict[str, tuple[Callable[..., Any], type[BaseModel]]] = {
    "route": (api_orders.route_now, api_orders.RouteNow),
    "hold": (api_orders.hold, api_orders.HoldOrder),
    "release": (api_orders.release, api_orders.ReleaseOrder),
    "cancel": (api_orders.cancel, api_orders.CancelOrder),
    "refund": (api_orders.refund, api_orders.RefundOrder),
}


@blueprint.post("/orders/<order_id>/<any(route, hold, release, cancel, refund):action>")
@needs("operator")
def order_action(order_id: str, action: str) -> Any:
    handler, model = ORDER_ACTIONS[action]
    fields = {"reason": request.form.get("reason", "").strip()} if action in ("hold", "cancel", "refund") else {}
    if action == "refund":
        fields |= _refund_fields()
        if not fields["lines"] and not fields["shipping"]:
            say(False, "name what to refund: units of a line, the shipping, or both")
            return redirect(url_for("console.order", order_id=order_id))
    body = checked(model, **fields)
    if body is not None:
        say(*run(handler, body, order_id=order_id))
    return redirect(url_for("console.order", order_id=order_id))


@blueprint.post("/orders/<order_id>/ship")
@needs("operator")
def ship(order_id: str) -> Any:
    form = request.form
    tracking = [t.strip() for t in form.get("tracking", "").replace(",", " ").split() if t.strip()]
    body = checked(
        api_orders.ShipByHand,
        fulfillment_order_id=form.get("fulfillment_order_id", ""),
        carrier=form.get("carrier", "").strip(),
        tracking_numbers=tracking,
        service=form.get("service", "").strip() or None,
    )
    if body is not None:
        say(*run(api_orders.ship, body, order_id=order_id))
    return redirect(url_for("console.order", order_id=order_id))


@blueprint.post("/deliveries/replay")
@needs("operator")
def replay_deliveries() -> Any:
    """Replay one delivery, or every one ticked (bulk): each in its own transaction."""
    ids = _chosen("delivery_id")
    results = [run(api_deliveries.replay_delivery, api_deliveries.ReplayDelivery(), delivery_id=i) for i in ids]
    _summarise("deliveries", ids, results)
    return back(url_for("console.failures"))


@blueprint.post("/inbox/replay")
@needs("operator")
def replay_messages() -> Any:
    ids = _chosen("inbox_id")
    results = [run(api_inbox.replay_message, api_inbox.ReplayMessage(), inbox_id=i) for i in ids]
    _summarise("messages", ids, results)
    return back(url_for("console.failures"))


def _refund_fields() -> dict[str, Any]:
    """The refund form: a units box per line and two ticks."""
    return {"lines": units("units-"), "shipping": "shipping" in request.form, "restock": "restock" in request.form}


def texts_by_prefix(prefix: str) -> dict[str, str]:
    """Form boxes named ``<prefix><line id>`` that are not blank, by line id."""
    return {k.removeprefix(prefix): v.strip() for k, v in request.form.items() if k.startswith(prefix) and v.strip()}


def units(prefix: str) -> dict[str, str]:
    """Units per line from boxes named ``<prefix><line id>``; blank and 0 mean none. Left as text, so the
    body's model refuses a bad number by the line's name."""
    return {k: v for k, v in texts_by_prefix(prefix).items() if v != "0"}


def _chosen(field: str) -> list[int]:
    """The one id of a row's own Replay button (``only``), else every ticked ``field``."""
    only = request.form.get("only")
    given = [only] if only else request.form.getlist(field)
    return [int(i) for i in given if i.isdigit() and 0 < int(i) < 2**63]


def _summarise(kind: str, ids: list[int], results: list[tuple[bool, str]]) -> None:
    if not ids:
        say(False, f"no {kind} were chosen")
    replayed = [str(i) for i, (done, _) in zip(ids, results, strict=True) if done]
    if replayed:
        say(True, f"replayed {kind} {', '.join(replayed)}")
    for i, (done, why) in zip(ids, results, strict=True):
        if not done:
            say(False, f"{i}: {why}")
