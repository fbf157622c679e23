"""What a lifecycle step asks of the rest of the hub: inventory moves, refunds and replacements due.

The lifecycle never touches inventory or money itself; each command's ``Outcome`` lists its effects, and
the caller carries them out in the same transaction (and rolls back if one is refused):

* ``InventoryEffect`` -- for ``hub.inventory`` at one location:

  ==========  =========================================================================================
  action      when
  ==========  =========================================================================================
  release     a reservation is given up: a fulfillment order was rejected or cancelled, or allocated
              units were cancelled (the units are free to sell, or to route elsewhere)
  ship        units left the location: the reservation is consumed and stock on hand goes down
  restock     returned units go back into sellable stock at the location they came back to
  ==========  =========================================================================================

  Creating a fulfillment order records an allocation the inventory has already made (routing allocates,
  then the fulfillment order is created), so it has no effect of its own. Effects of lines without a SKU
  (custom lines) carry ``sku=None``; there is no stock to move for them.
* ``RefundDue`` -- a return was settled by refund: the units to refund per line (the amount is priced from
  the order's lines by whoever pays it out).
* ``ReplacementDue`` -- a return was settled by exchange: what to send the buyer instead.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

InventoryAction = Literal["release", "ship", "restock"]


@dataclass(frozen=True)
class InventoryEffect:
    action: InventoryAction
    location: str
    sku: str | None
    quantity: int
    order_id: str
    line_id: str
    reference: str  # the fulfillment order or return that caused it

    def as_dict(self) -> dict[str, Any]:
        return {"effect": "inventory", **asdict(self)}


@dataclass(frozen=True)
class RefundDue:
    return_id: str
    units: dict[str, int]  # line_id -> units received back

    def as_dict(self) -> dict[str, Any]:
        return {"effect": "refund", **asdict(self)}


@dataclass(frozen=True)
class Replacement:
    line_id: str
    sku: str | None
    quantity: int


@dataclass(frozen=True)
class ReplacementDue:
    return_id: str
    items: tuple[Replacement, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"effect": "replacement", "return_id": self.return_id, "items": [asdict(item) for item in self.items]}


Effect = InventoryEffect | RefundDue | ReplacementDue
