"""What a drop-ship supplier agreed with us, kept in its partner profile (``supplier``).

* ``ack_within``: how long the supplier has to acknowledge a purchase order ("4h", "2d"); a PO not
  acknowledged by then is flagged on the order and in ``orderhub deliveries list``. None: no agreed time.
* ``ack_by``: what counts as the acknowledgment: its ``855`` (the supplier's answer per line) or already its
  ``997`` (the file was received and passed its checks).
* ``cancel_with``: how a purchase order is withdrawn: a second ``850`` with BEG01 ``01`` (cancellation),
  or an ``860`` change order with BCH01 ``01`` (cancellation of the whole PO), as the supplier's guide asks.
* ``costs``: the unit price we pay per SKU, sent in PO104 and what the supplier's 810 is checked against; a
  SKU without one goes without a price (the supplier prices it) and its invoiced price is not checked.
* ``currency``: the currency of those prices.

The model imports nothing of the hub so the partner profile can hold it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

_DURATION = re.compile(r"^([1-9][0-9]{0,4})([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class SupplierTerms(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ack_within: str | None = None
    ack_by: Literal["855", "997"] = "855"
    cancel_with: Literal["850", "860"] = "850"
    costs: dict[Annotated[str, Field(min_length=1, max_length=128)], Annotated[Decimal, Field(ge=0)]] = {}
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"

    @field_validator("ack_within")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None and _DURATION.fullmatch(value) is None:
            raise ValueError(f"{value!r} is not a duration such as 30m, 4h or 2d")
        return value

    def ack_window(self) -> timedelta | None:
        """``ack_within`` as a timedelta, None when no time was agreed."""
        found = _DURATION.fullmatch(self.ack_within or "")
        if found is None:
            return None
        return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})

    def cost(self, sku: str | None) -> Decimal | None:
        return self.costs.get(sku) if sku else None
