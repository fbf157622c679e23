"""Actions of the fulfillment order commands, and what each does to the line ledgers and to inventory.

=========================  =====================================  ==========================================
command                    ledger, per line of the order          inventory effect
=========================  =====================================  ==========================================
create_fulfillment_order   allocate (backordered units first)     none: records the inventory's allocation
send_fulfillment_order     release the open units                 none
accept_fulfillment_order   none                                   none
reject_fulfillment_order   recall the open units                  release at the location
ship_fulfillment_order     ship                                   ship from the location
cancel_fulfillment_order   deallocate (not sent) or recall (sent) release at the location
=========================  =====================================  ==========================================

Sending is what a hold stops: the order machine refuses ``send_fulfillment_order`` while the order is on
hold, and before it is validated no fulfillment order can be created.
"""

from __future__ import annotations

from hub.lifecycle.commands import (
    AcceptFulfillmentOrder,
    CancelFulfillmentOrder,
    CreateFulfillmentOrder,
    RejectFulfillmentOrder,
    SendFulfillmentOrder,
    ShipFulfillmentOrder,
)
from hub.lifecycle.draft import Draft, action
from hub.lifecycle.fulfillment import FulfillmentLine, FulfillmentOrder


@action(CreateFulfillmentOrder)
def create(draft: Draft, command: CreateFulfillmentOrder) -> None:
    draft.require_new_id("fulfillment order", command.id)
    allocated = draft.change_lines("allocate", command.lines)
    lines = {line_id: FulfillmentLine(line_id, allocated[line_id].sku, n) for line_id, n in command.lines.items()}
    draft.fulfillment_orders[command.id] = FulfillmentOrder(command.id, command.location, lines)


@action(SendFulfillmentOrder)
def send(draft: Draft, command: SendFulfillmentOrder) -> None:
    fo = draft.fulfillment_order(command.id)
    draft.fulfillment_orders[fo.id] = fo.send()
    draft.change_lines("release", fo.open_by_line())


@action(AcceptFulfillmentOrder)
def accept(draft: Draft, command: AcceptFulfillmentOrder) -> None:
    fo = draft.fulfillment_order(command.id)
    draft.fulfillment_orders[fo.id] = fo.accept(command.external_id)


@action(RejectFulfillmentOrder)
def reject(draft: Draft, command: RejectFulfillmentOrder) -> None:
    fo = draft.fulfillment_order(command.id)
    draft.fulfillment_orders[fo.id] = fo.reject(command.reason)
    give_back(draft, fo, "recall")


@action(ShipFulfillmentOrder)
def ship(draft: Draft, command: ShipFulfillmentOrder) -> None:
    fo = draft.fulfillment_order(command.id)
    units = command.lines if command.lines is not None else fo.open_by_line()
    draft.fulfillment_orders[fo.id] = fo.ship(units)
    draft.change_lines("ship", units)
    for line_id, count in units.items():
        draft.inventory("ship", fo.location, line_id, count, fo.id)


@action(CancelFulfillmentOrder)
def cancel(draft: Draft, command: CancelFulfillmentOrder) -> None:
    fo = draft.fulfillment_order(command.id)
    draft.fulfillment_orders[fo.id] = fo.cancel(command.reason)
    give_back(draft, fo, "recall" if fo.is_released() else "deallocate")


def give_back(draft: Draft, fo: FulfillmentOrder, operation: str) -> None:
    """The open units of ``fo`` (as it was) return to their lines, and their reservations are released."""
    open_units = fo.open_by_line()
    draft.change_lines(operation, open_units)
    for line_id, units in open_units.items():
        draft.inventory("release", fo.location, line_id, units, fo.id)
