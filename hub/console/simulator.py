"""The routing simulator: pick a stored order (by its hub id, PO number or order number) or paste a canonical
order, and see the decision routing would make now and its trace, against the stock stored in the hub and
the rules in effect, or a draft rule document pasted beside it (to try a change before storing it).

It runs the API's ``simulate`` handler, so nothing is committed and the console, the API and
``orderhub route simulate`` cannot disagree.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from flask import render_template, request
from pydantic import ValidationError
from sqlalchemy import or_, select

from hub.api import routing as api_routing
from hub.api.problems import Problem
from hub.console.access import blueprint, needs
from hub.console.actions import ask
from hub.db.models import OrderRecord
from hub.web.extension import hub_extension

MAX_PASTED = 1_000_000  # characters of pasted JSON


def find_order(given: str) -> str | None:
    """The id of the order ``given`` names: a hub id, else the newest order with that PO number or number."""
    given = given.strip()[:128]
    with hub_extension().runtime.database.session() as db:
        if db.get(OrderRecord, given[:40]) is not None:
            return given[:40]
        numbers = {given, given.lstrip("#"), f"#{given.lstrip('#')}"}
        query = (
            select(OrderRecord.id)
            .where(or_(OrderRecord.po_number == given, OrderRecord.number.in_(numbers)))
            .order_by(OrderRecord.created_at.desc())
            .limit(1)
        )
        found: str | None = db.scalars(query).first()
        return found


def _simulation(order: str, pasted: str) -> dict[str, Any]:
    """``{"order_id"...}`` or ``{"order": {...}}`` for the API's body; ``ValueError`` says what is wrong."""
    if bool(order.strip()) == bool(pasted.strip()):
        raise ValueError("give an order (id, PO number or number) or paste a canonical order, not both")
    if order.strip():
        order_id = find_order(order)
        if order_id is None:
            raise ValueError(f"no stored order has the id, PO number or number {order.strip()[:128]!r}")
        return {"order_id": order_id}
    if len(pasted) > MAX_PASTED:
        raise ValueError(f"the pasted order is longer than {MAX_PASTED} characters")
    try:
        document = json.loads(pasted)
    except json.JSONDecodeError as bad:
        raise ValueError(f"the pasted order is not JSON: {bad.msg} at line {bad.lineno}, column {bad.colno}") from None
    except RecursionError:
        raise ValueError("the pasted order is nested too deeply to be an order") from None
    if not isinstance(document, dict):
        raise ValueError("the pasted order must be a JSON object (a canonical order.v1 document)")
    return {"order": document}


@blueprint.route("/simulator", methods=["GET", "POST"])
@needs("viewer")
def simulator() -> Any:
    form = {name: request.values.get(name, "") for name in ("order", "pasted", "at", "rules")}
    decision = error = None
    order_id = None
    if request.method == "POST" or form["order"]:
        try:
            fields = _simulation(form["order"], form["pasted"])
            order_id = fields.get("order_id")
            if at := form["at"].strip():
                fields["at"] = at
            if form["rules"].strip():
                fields["rules"] = _draft_rules(form["rules"])
            body = api_routing.Simulation.model_validate(fields)
            decision = ask(api_routing.simulate, body=body).decision
        except ValueError as refused:  # ValidationError is a ValueError too
            error = _message(refused)
        except Problem as problem:
            named = [f"{e.name}: {e.detail}" for e in problem.errors[:5]]
            error = "; ".join(named) if named else problem.detail
    return render_template("simulator.html", form=form, decision=decision, error=error, order_id=order_id)


def _draft_rules(text: str) -> dict[str, Any]:
    """A draft rule document as written in a rule file (YAML, or JSON, which YAML reads too)."""
    if len(text) > MAX_PASTED:
        raise ValueError(f"the draft rules are longer than {MAX_PASTED} characters")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as bad:
        raise ValueError(f"the draft rules are not YAML or JSON: {str(bad).splitlines()[0]}") from None
    except RecursionError:
        raise ValueError("the draft rules are nested too deeply") from None
    if not isinstance(document, dict):
        raise ValueError("the draft rules must be a rule document (version, rules ...), as in a rule file")
    return document


def _message(refused: ValueError) -> str:
    if isinstance(refused, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in refused.errors()[:5])
    return str(refused)
