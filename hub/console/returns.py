"""The returns page and its steps: returns listed by state, and each step (authorize, reject, receive,
inspect, restock, dispose, refund, exchange, close) run through the API's ``return_step`` handler, so the
console, the API and the lifecycle check a step in one place and the order's timeline names who took it.

A step offered on the page is one the return's machine allows from its state; a step that is refused
anyway (the order moved on meanwhile) comes back as a message, with nothing changed.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from hub.api import returns as api_returns
from hub.api.returns import ReturnStep
from hub.console.access import blueprint, needs
from hub.console.actions import back, checked, run, say, texts_by_prefix, units
from hub.db.models import OrderRecord, ReturnRecord
from hub.lifecycle.returns import ReturnState, return_machine
from hub.web.extension import hub_extension

SHOWN = 200
OPEN = "open"
# The machine's event names, and the command each is.
STEPS = {
    "authorize": "authorize_return", "reject": "reject_return", "receive": "receive_return",
    "inspect": "inspect_return", "restock": "restock_return", "dispose": "dispose_return",
    "refund": "refund_return", "exchange": "exchange_return", "close": "close_return",
}  # fmt: skip
STATE_CHOICES = (OPEN, "all", *(str(state) for state in ReturnState))


def _listed(state: str) -> list[dict[str, Any]]:
    """Returns in ``state`` (``open``: not closed or rejected; ``all``), recently changed first, each with
    its order's number and the steps its state allows."""
    machine = return_machine()
    query = (  # the lines of every return listed in one IN query, not one query per return
        select(ReturnRecord, OrderRecord.number)
        .join(OrderRecord, OrderRecord.id == ReturnRecord.order_id)
        .options(selectinload(ReturnRecord.lines))
    )
    if state == OPEN:
        query = query.where(ReturnRecord.state.not_in([ReturnState.CLOSED, ReturnState.REJECTED]))
    elif state != "all":
        query = query.where(ReturnRecord.state == state)
    query = query.order_by(ReturnRecord.updated_at.desc(), ReturnRecord.id).limit(SHOWN)
    with hub_extension().runtime.database.session() as db:
        found = []
        for row, number in db.execute(query):
            lines = [
                {"line_id": x.line_id, "sku": x.sku, "requested": x.requested, "received": x.received,
                 "cancelled": x.cancelled, "restocked": x.restocked, "disposed": x.disposed,
                 "condition": x.condition}
                for x in row.lines
            ]  # fmt: skip
            steps = [event for event in machine.allowed_events(row.state) if event in STEPS]
            found.append(
                {"id": row.id, "order_id": row.order_id, "number": number, "state": row.state,
                 "rma_number": row.rma_number, "location": row.location_id, "reason": row.reason,
                 "replacements": dict(row.replacements or {}), "updated_at": row.updated_at, "lines": lines,
                 "steps": steps}
            )  # fmt: skip
        return found


def _counts() -> dict[str, int]:
    """Returns per state, for the state links above the list."""
    with hub_extension().runtime.database.session() as db:
        rows = db.execute(select(ReturnRecord.state, func.count()).group_by(ReturnRecord.state))
        return {str(state): count for state, count in rows}


@blueprint.get("/returns")
@needs("viewer")
def returns() -> Any:
    state = request.args.get("state", OPEN)
    if state not in STATE_CHOICES:
        state = OPEN
    counts = _counts()
    return render_template("returns.html", returns=_listed(state), state=state, choices=STATE_CHOICES, counts=counts)


@blueprint.post("/orders/<order_id>/returns/<return_id>/<step>")
@needs("operator")
def return_step(order_id: str, return_id: str, step: str) -> Any:
    if step not in STEPS:
        say(False, f"{step!r} is not a step of a return: one of {', '.join(STEPS)}")
        return back(url_for("console.returns"))
    body = checked(ReturnStep, command={"do": STEPS[step], "id": return_id, **_step_fields(step)})
    if body is not None:
        say(*run(api_returns.return_step, body, order_id=order_id))
    return back(url_for("console.returns"))


@blueprint.post("/orders/<order_id>/returns")
@needs("operator")
def request_return(order_id: str) -> Any:
    """A new return of delivered units (a units box per line), from the order's page."""
    lines = units("units-")
    if not lines:
        say(False, "name the units to return: a number in at least one line's box")
        return redirect(url_for("console.order", order_id=order_id))
    fields = {"lines": lines, **_texts("reason", "rma_number", "location")}
    body = checked(ReturnStep, command={"do": "request_return", **fields})
    if body is not None:
        say(*run(api_returns.return_step, body, order_id=order_id))
    return redirect(url_for("console.order", order_id=order_id))


def _step_fields(step: str) -> dict[str, Any]:
    """What the step's form gave beyond the return's id: blank boxes are left out, so the lifecycle's
    defaults apply (receive every awaited unit, restock every undecided one, the same SKU in exchange)."""
    if step == "authorize":
        return _texts("rma_number", "location")
    if step == "reject":
        return {"reason": request.form.get("reason", "").strip()}
    if step == "receive":
        return _texts("location")
    if step == "inspect":
        return {"conditions": texts_by_prefix("condition-")}
    if step == "exchange":
        return {"replacements": texts_by_prefix("replacement-")}
    return {}


def _texts(*names: str) -> dict[str, str]:
    return {name: value for name in names if (value := request.form.get(name, "").strip())}
