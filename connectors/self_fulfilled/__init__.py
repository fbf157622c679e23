"""``self``: locations the operator runs (a back-room warehouse, a store), with no partner to send to.

A fulfillment order for such a location stays in the hub: submitting it is accepted at once with nothing
sent anywhere, and the operator picks, packs and reports the shipment with ``orderhub fulfillment ship``
(which records it exactly as a partner's confirmation would be recorded). Cancelling needs no partner either.

The connector exists so that ``self`` is listed by ``orderhub connector list`` and resolves like every
other destination (``orderhub location add ... --fulfilled-by self``); it performs no I/O at all, so a
resend is trivially idempotent and ``check()`` always passes.
"""

from __future__ import annotations

from typing import ClassVar

import requests
from pydantic import BaseModel, ConfigDict

from hub.canonical import FulfillmentRequest
from hub.sdk import ConnectorKind, FulfillmentRef, Submitted

AWAITING_OPERATOR = "awaiting the operator"


class SelfFulfilledConfig(BaseModel):
    """No settings: an unknown one is refused rather than silently ignored (a typo for another connector)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SelfFulfilled:
    """The operator fulfils the location; the hub only waits for ``orderhub fulfillment ship``."""

    name: ClassVar[str] = "self"
    kind: ClassVar[ConnectorKind] = ConnectorKind.THREE_PL
    Config: ClassVar[type[BaseModel]] = SelfFulfilledConfig

    def __init__(self, config: BaseModel, session: requests.Session | None = None) -> None:
        self.config = config

    def __repr__(self) -> str:
        return "SelfFulfilled()"

    def check(self) -> None:
        """Nothing to reach: the operator is the partner."""

    def submit_fulfillment(self, request: FulfillmentRequest, idempotency_key: str) -> Submitted:
        """Accepted as it is; the operator sees it in ``orderhub fulfillment list``."""
        return Submitted(external_id=None, note=AWAITING_OPERATOR)

    def cancel_fulfillment(self, request: FulfillmentRequest, ref: FulfillmentRef, idempotency_key: str) -> None:
        """Nothing was sent, so nothing is withdrawn; the hub's own state change is the cancellation."""
