"""Errors of the inventory core. Running short of stock is not one of them: allocating or reserving more
than is available is an ordinary outcome, reported as a result that says how many units were available.

::

    HubError                        (hub.errors)
    ├── InputRejected
    │   └── InventoryInputError     a request the caller can fix: bad quantity, unknown SKU or location
    │       ├── InvalidLocation     a location definition does not validate (names each field)
    │       ├── UnknownLocation     no location with that id
    │       ├── LocationUnavailable the location is inactive, or cannot do what was asked
    │       └── UnknownRecord       no allocation, reservation or incoming row with that key
    └── InventoryConflict           the request contradicts recorded stock (shipping more than on hand,
                                    releasing more than committed); the transaction must be rolled back
"""

from __future__ import annotations

from hub.errors import HubError, InputRejected


class InventoryInputError(InputRejected):
    """The request is wrong in a way the caller can fix; the message names the field and the value."""


class InvalidLocation(InventoryInputError):
    pass


class UnknownLocation(InventoryInputError):
    def __init__(self, location_id: str) -> None:
        super().__init__(f"no location {location_id!r}: add it with `orderhub location add` or check the id")
        self.location_id = location_id


class LocationUnavailable(InventoryInputError):
    pass


class UnknownRecord(InventoryInputError):
    pass


class InventoryConflict(HubError):
    """What was asked contradicts the recorded levels. Raised after part of the change may have been
    written, so the caller's transaction must be rolled back (``Database.session()`` does that)."""

    exit_code = 1


def check_quantity(quantity: int, what: str = "quantity", minimum: int = 1) -> int:
    """Refuse anything but a whole number of units at or above ``minimum``, naming the field."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InventoryInputError(f"{what} must be a whole number of units, not {quantity!r}")
    if quantity < minimum:
        raise InventoryInputError(f"{what} must be at least {minimum}, not {quantity}")
    return quantity
