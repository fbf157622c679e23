"""The routing simulator: pick a stored order (by its hub id, PO number or order number) or paste a canonical
order, and see the decision routing would make now and its trace, against the stock stored in the hub and
the rules in effect, or a draft rule document pasted beside it (to try a change before storing it).

It runs the API's ``simulate`` handler, so nothing is committed and the console, the API and
``orderhub route simulate`` cannot disagree.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
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

MAX_PASTED = 1_000_000  # characters in a pasted box (order or draft rules)


@dataclass(frozen=True)
class Paste:
    """How one pasted box is read: what messages call it, its language and parser, what it must hold."""

    name: str
    verb: str  # "is" or "are", after the name
    language: str
    parse: Callable[[str], Any]
    expected: str


PASTED_ORDER = Paste("the pasted order", "is", "JSON", json.loads, "a JSON object (a canonical order.v1 document)")
# A draft is written as a rule file is: YAML, or JSON, which YAML reads too.
DRAFT_RULES = Paste("the draft rules", "are", "YAML or JSON", yaml.safe_load,
                    "a rule document (version, rules ...), as in a rule file")  # fmt: skip


def _document(text: str, paste: Paste) -> dict[str, Any]:
    """The object pasted; ``ValueError`` names the box and what is wrong with it."""
    if len(text) > MAX_PASTED:
        raise ValueError(f"{paste.name} {paste.verb} longer than {MAX_PASTED} characters")
    try:
        document = paste.parse(text)
    except (json.JSONDecodeError, yaml.YAMLError) as bad:
        raise ValueError(f"{paste.name} {paste.verb} not {paste.language}: {_where(bad)}") from None
    except RecursionError:  # a deeply nested paste exhausts the parser's stack
        raise ValueError(f"{paste.name} {paste.verb} nested too deeply") from None
    if not isinstance(document, dict):
        raise ValueError(f"{paste.name} must be {paste.expected}")
    return document


def _where(bad: Exception) -> str:
    if isinstance(bad, json.JSONDecodeError):
        return f"{bad.msg} at line {bad.lineno}, column {bad.colno}"
    return str(bad).splitlines()[0]


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
    return {"order": _document(pasted, PASTED_ORDER)}


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
                fields["rules"] = _document(form["rules"], DRAFT_RULES)
            body = api_routing.Simulation.model_validate(fields)
            decision = ask(api_routing.simulate, body=body).decision
        except ValueError as refused:  # ValidationError is a ValueError too
            error = _message(refused)
        except Problem as problem:
            named = [f"{e.name}: {e.detail}" for e in problem.errors[:5]]
            error = "; ".join(named) if named else problem.detail
    return render_template("simulator.html", form=form, decision=decision, error=error, order_id=order_id)


def _message(refused: ValueError) -> str:
    if isinstance(refused, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in refused.errors()[:5])
    return str(refused)
