"""Identifiers as long as the hub can store them, and no longer.

Several fields of the canonical documents end up in bounded columns: an order line's ``line_id`` in
``order_lines``, ``line_quantities`` and the inventory ledger (64 characters), a SKU wherever stock is kept
(128), the channel's order id in ``orders`` (128). A value longer than its column is accepted by SQLite and
refused by PostgreSQL, and on either it breaks the lifecycle commands that carry it later: the document
would be stored, and every routing of it would fail. So the limit is checked once, here, when any document
from any channel or partner is validated, and the refusal names the field and the limit
(``lines[0].line_id: at most 64 characters ...``). Only values that could never be stored are refused.

The check itself is pydantic-core's (``max_length``), run for every value of every document without a Python
call; the hub's wording of a refusal is put on by ``explain_lengths`` when a document is refused, which
``CanonicalModel`` does for every validation it starts.

The limits are the column widths in ``hub.db.models``; a test holds them in step.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import StringConstraints, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

HUB_ID_LENGTH = 40  # orders.id: the hub's order ids (ord_ and 26 characters)
RECORD_ID_LENGTH = 64  # ids the hub gives fulfillment orders, returns and shipments (ful_..., ret_..., shp_...)
LINE_ID_LENGTH = 64  # order_lines.line_id, line_quantities, the inventory ledger and allocations
SKU_LENGTH = 128  # every sku column: levels, ledger, order lines, routing waits
CHANNEL_LENGTH = 64  # orders.channel: a connector slug
REFERENCE_LENGTH = 128  # orders.channel_order_id, number, po_number; order_lines.channel_line_id
NAME_LENGTH = 512  # order_lines.name
LOCATION_REFERENCE_LENGTH = 80  # a location's id (64) or a partner's name for it (inventory_locations.external_id)
RMA_LENGTH = 64  # return_authorizations.rma_number
CONDITION_LENGTH = 64  # return_lines.condition
ADVICE_ID_LENGTH = 255  # the inventory ledger's and counts' reference
CARRIER_LENGTH = 128  # shipments.carrier and shipments.service


TOO_LONG = "at most {limit} characters, the longest the hub can store (this one has {length})"


def explain_lengths(exc: ValidationError) -> ValidationError:
    """``exc`` with each refusal of text over its limit worded as the hub words it (naming the limit and the
    length sent); ``exc`` itself when it has none. Every other error is kept as it was."""
    errors = exc.errors()
    if not any(error["type"] == "string_too_long" for error in errors):
        return exc
    details: list[InitErrorDetails] = []
    for error in errors:
        loc, value, context = error["loc"], error["input"], error.get("ctx")
        if error["type"] == "string_too_long" and isinstance(value, str) and context is not None:
            limits = {"limit": context["max_length"], "length": len(value)}
            details.append({"type": PydanticCustomError("too_long", TOO_LONG, limits), "loc": loc, "input": value})
        elif "url" in error:  # one of pydantic's own error types: rebuilt from its type and context
            details.append(_detail(error["type"], loc, value, context))
        else:  # a custom error (raised by a validator here): its message as it was worded
            details.append(_detail(PydanticCustomError(error["type"], error["msg"], context), loc, value, None))
    return ValidationError.from_exception_data(exc.title, details)


def _detail(kind: Any, loc: Any, value: Any, context: dict[str, Any] | None) -> InitErrorDetails:
    detail: InitErrorDetails = {"type": kind, "loc": loc, "input": value}
    if context is not None:
        detail["ctx"] = context
    return detail


# Each limit is checked inside pydantic-core, so a valid value costs no Python call; the StringConstraints also
# carry it into the JSON Schema (maxLength). pydantic's own wording of a refusal is vaguer than the hub's:
# ``explain_lengths`` rewords it, which only a refused document pays for.
HubId = Annotated[str, StringConstraints(min_length=1, max_length=HUB_ID_LENGTH)]
"""The hub's id of an order (``ord_...``)."""

RecordId = Annotated[str, StringConstraints(min_length=1, max_length=RECORD_ID_LENGTH)]
"""The hub's id of a fulfillment order, return or shipment."""

LineId = Annotated[str, StringConstraints(min_length=1, max_length=LINE_ID_LENGTH)]
"""An order line's ``line_id``, and every reference to one."""

Sku = Annotated[str, StringConstraints(min_length=1, max_length=SKU_LENGTH)]
"""A stock keeping unit."""

ChannelName = Annotated[str, StringConstraints(min_length=1, max_length=CHANNEL_LENGTH)]
"""A connector slug naming the channel an order came from."""

Reference = Annotated[str, StringConstraints(min_length=1, max_length=REFERENCE_LENGTH)]
"""A channel's or buyer's reference: order id, order number, PO number, line item id."""

ProductName = Annotated[str, StringConstraints(min_length=1, max_length=NAME_LENGTH)]
"""A product name as shown to the buyer."""

LocationReference = Annotated[str, StringConstraints(min_length=1, max_length=LOCATION_REFERENCE_LENGTH)]
"""A location: the hub's id of it, or the reporting partner's own name for it."""

RmaNumber = Annotated[str, StringConstraints(min_length=1, max_length=RMA_LENGTH)]
"""A return merchandise authorization number."""

Condition = Annotated[str, StringConstraints(min_length=1, max_length=CONDITION_LENGTH)]
"""The condition of returned goods ("new", "damaged")."""

AdviceId = Annotated[str, StringConstraints(min_length=1, max_length=ADVICE_ID_LENGTH)]
"""A sender's identifier of an inventory advice."""

CarrierText = Annotated[str, StringConstraints(min_length=1, max_length=CARRIER_LENGTH)]
"""A carrier's name or service level."""
