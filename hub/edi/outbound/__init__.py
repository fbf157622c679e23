"""Outbound X12: canonical documents written as the transaction sets a partner expects, validated before they leave.

``build_interchange(profile, documents, numbers)`` (``assembly``) writes one interchange: an 850 purchase order or
a 940 warehouse shipping order from an Order, an 855 from a PurchaseOrderAck, an 856 from a Shipment, an 810 from
an Invoice and an 846 from an InventoryAdvice, one module per set. ``body`` holds what every set builder shares
(values with the canonical field they came from, X12 value formats, :class:`OutboundInvalid`), ``parties`` the
N1 loops, ``items`` the item identifier pairs and ``order_parts`` what the 850 and 940 share. Each set is written
so that the hub's own inbound mapping for it reads the same document back; each module's docstring says what
X12 cannot carry.
"""

from __future__ import annotations

from hub.edi.outbound.assembly import Outbound, OutboundSet, build_interchange
from hub.edi.outbound.body import OutboundInvalid

__all__ = ["Outbound", "OutboundInvalid", "OutboundSet", "build_interchange"]
