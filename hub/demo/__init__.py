"""``orderhub demo``: a small, living operation loaded into an empty hub, through the hub's own code paths.

Two shops (Shopify and WooCommerce, promising to ship within one and two business days) send a week of orders
as signed webhooks; the router sends them to three warehouses (one run by the operator, one a 3PL working from
CSV files, one a ``self`` connector account) and a drop-ship supplier reached over X12, which answers with
855s and 856s the hub takes in from its mailbox; warehouses ship (a few late), customers return a few items;
and a few things go wrong the way they do in life (a message that does not normalize, an order held for fraud
review, items sold out for days, a PO the supplier rejects and one it has not answered, a cancellation the
supplier takes only as an 860) so every view and every report has something to show.
"""

from __future__ import annotations

from hub.demo.guard import DemoRefused
from hub.demo.loader import DemoOptions, Loaded, load_demo

__all__ = ["DemoOptions", "DemoRefused", "Loaded", "load_demo"]
