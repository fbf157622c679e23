"""Identifiers as long as the hub can store them, and no longer.

Several fields of the canonical documents end up in bounded columns: an order line's ``line_id`` in
``order_lines``, ``line_quantities`` and the inventory ledger (64 characters), a SKU wherever stock is kept
(128), the channel's order id in ``orders`` (128). A value longer than its column is accepted by SQLite and
refused by PostgreSQL, and on either it breaks the lifecycle commands that carry it later: the document
would be stored, and every routing of it would fail. So the limit is checked once, here, when any document
from any channel or partner is validated, and the refusal names the field and the limit
(``lines[0].line_id: at most 64 characters ...``). Only values that could never be stored are refused.

The limits are the column widths in ``hub.db.models``; a test holds them in step.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, StringConstraints
from pydantic_core import PydanticCustomError

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


def _fits(limit: int) -> BeforeValidator:
    """Refuse text longer than ``limit`` with a message a sender can act on (pydantic's own is vaguer)."""

    def check(value: object) -> object:
        if isinstance(value, str) and len(value) > limit:
            context = {"limit": limit, "length": len(value)}
            raise PydanticCustomError(
                "too_long", "at most {limit} characters, the longest the hub can store (this one has {length})", context
            )
        return value  # the str schema reports a wrong type, StringConstraints an empty string

    return BeforeValidator(check)


# StringConstraints carries each limit into the JSON Schema (maxLength); the check ahead of it gives the
# readable error, so the constraint itself never fails on length.
HubId = Annotated[str, StringConstraints(min_length=1, max_length=HUB_ID_LENGTH), _fits(HUB_ID_LENGTH)]
"""The hub's id of an order (``ord_...``)."""

RecordId = Annotated[str, StringConstraints(min_length=1, max_length=RECORD_ID_LENGTH), _fits(RECORD_ID_LENGTH)]
"""The hub's id of a fulfillment order, return or shipment."""

LineId = Annotated[str, StringConstraints(min_length=1, max_length=LINE_ID_LENGTH), _fits(LINE_ID_LENGTH)]
"""An order line's ``line_id``, and every reference to one."""

Sku = Annotated[str, StringConstraints(min_length=1, max_length=SKU_LENGTH), _fits(SKU_LENGTH)]
"""A stock keeping unit."""

ChannelName = Annotated[str, StringConstraints(min_length=1, max_length=CHANNEL_LENGTH), _fits(CHANNEL_LENGTH)]
"""A connector slug naming the channel an order came from."""

Reference = Annotated[str, StringConstraints(min_length=1, max_length=REFERENCE_LENGTH), _fits(REFERENCE_LENGTH)]
"""A channel's or buyer's reference: order id, order number, PO number, line item id."""

ProductName = Annotated[str, StringConstraints(min_length=1, max_length=NAME_LENGTH), _fits(NAME_LENGTH)]
"""A product name as shown to the buyer."""

LocationReference = Annotated[
    str, StringConstraints(min_length=1, max_length=LOCATION_REFERENCE_LENGTH), _fits(LOCATION_REFERENCE_LENGTH)
]
"""A location: the hub's id of it, or the reporting partner's own name for it."""

RmaNumber = Annotated[str, StringConstraints(min_length=1, max_length=RMA_LENGTH), _fits(RMA_LENGTH)]
"""A return merchandise authorization number."""

Condition = Annotated[str, StringConstraints(min_length=1, max_length=CONDITION_LENGTH), _fits(CONDITION_LENGTH)]
"""The condition of returned goods ("new", "damaged")."""

AdviceId = Annotated[str, StringConstraints(min_length=1, max_length=ADVICE_ID_LENGTH), _fits(ADVICE_ID_LENGTH)]
"""A sender's identifier of an inventory advice."""

CarrierText = Annotated[str, StringConstraints(min_length=1, max_length=CARRIER_LENGTH), _fits(CARRIER_LENGTH)]
"""A carrier's name or service level."""
