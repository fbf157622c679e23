"""``/api/v1/routing/simulate``: the decision routing would make for an order now, and its trace, against
the stock stored in the hub and the rules in effect (the newest stored version, else the configured file),
or a draft rule document given with the order. Nothing is committed (``orderhub route simulate`` without
``--stock``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field, ValidationError

from hub.api.problems import Problem, bad_field, from_validation
from hub.api.registry import BodyModel, Call, operation
from hub.canonical import Order
from hub.db.models import OrderRecord
from hub.oms.process_cache import current_rules
from hub.oms.rule_versions import RuleDocumentError, parse_document
from hub.oms.store_snapshot import routing_snapshot
from hub.routing import RoutingInputError, RuleSet, decide
from hub.web.extension import hub_extension


class Simulation(BodyModel):
    order_id: str | None = Field(default=None, max_length=40, pattern=r"^[^\x00]*$", description="A stored order.")
    order: dict[str, Any] | None = Field(default=None, description="Or a canonical order.v1 document.")
    at: AwareDatetime | None = Field(default=None, description="Decide as of this moment (default: now).")
    rules: dict[str, Any] | None = Field(
        default=None, description="A draft rule document to decide with (default: the rules in effect)."
    )


class SimulationResult(BaseModel):
    decision: dict[str, Any] = Field(description="Per line allocations, backorders, holds; outcome; the trace.")


def configured_rules() -> RuleSet:
    """The rules the workers route with (the newest stored version, else HUB_WORKER__ROUTING_RULES, else the
    shipped ones)."""
    runtime = hub_extension().runtime
    try:
        return current_rules(runtime.settings.worker.routing_rules, runtime.database)
    except RoutingInputError as error:
        raise Problem(409, f"the configured routing rules cannot be read: {error}") from None


@operation("POST", "/routing/simulate", scope="read", tag="routing", body=Simulation, response=SimulationResult,
           problems=(409,), summary="The routing decision and trace for an order, committing nothing")  # fmt: skip
def simulate(call: Call) -> SimulationResult:
    body: Simulation = call.body
    if (body.order_id is None) == (body.order is None):
        raise bad_field(422, "body", "order_id", "give order_id or order, not both")
    order = _stored(call, body.order_id) if body.order_id is not None else _given(body.order or {})
    now = body.at or datetime.now(UTC)
    snapshot = routing_snapshot(call.session, {line.sku for line in order.lines if line.sku}, now)
    rules = _draft(body.rules) if body.rules is not None else configured_rules()
    return SimulationResult(decision=decide(order, snapshot, rules, now).to_json())


def _draft(document: dict[str, Any]) -> RuleSet:
    try:
        return parse_document(document, "draft rules")
    except RuleDocumentError as refused:
        raise bad_field(422, "body", ".".join(filter(None, ("rules", refused.path))), str(refused)) from None


def _stored(call: Call, order_id: str) -> Order:
    record = call.session.get(OrderRecord, order_id)
    if record is None:
        raise bad_field(422, "body", "order_id", f"no stored order {order_id!r}")
    return Order.model_validate(record.document)


def _given(document: dict[str, Any]) -> Order:
    try:
        order = Order.model_validate(document)
    except ValidationError as error:
        problem = from_validation(error, "body", 422)
        for item in problem.errors:
            item.name = f"order.{item.name}"
        raise problem from None
    for index, line in enumerate(order.lines):  # the SKUs are looked up in the database, which refuses a NUL
        if line.sku and "\x00" in line.sku:
            raise bad_field(422, "body", f"order.lines.{index}.sku", "cannot hold a NUL character")
    return order
