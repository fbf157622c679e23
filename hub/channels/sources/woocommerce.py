"""WooCommerce: full REST v3 orders by webhook (HMAC over the body), reconciliation through the REST API.

Topics: order.created, order.updated and order.restored carry the whole order and become it. order.deleted
is kept and ignored: WooCommerce sends only ``{"id": ...}`` for it, and deleting (usually trashing, which
can be undone) is shop housekeeping, not a cancellation; a merchant stops fulfilment by cancelling, which
arrives as order.updated with status ``cancelled``.

Saving a webhook in WooCommerce sends one unsigned, form-encoded ``webhook_id=<n>`` ping; it is answered
200 and not stored. Nothing else unsigned is accepted.

Account settings: ``base_url`` (``https://SHOP/wp-json/wc/v3``; HTTPS, since WooCommerce accepts Basic auth
only over TLS), ``consumer_key`` and ``consumer_secret`` (secret references to a read-only REST API key) and
``webhook_secrets`` (the secret set on the webhook in WooCommerce; two during a rotation).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.channels.accounts import AccountContext
from hub.channels.base import Action, Channel, Pulled, Topic
from hub.channels.paging import keyset_pages
from hub.channels.responses import Form, Response
from hub.channels.shapes import Shape
from hub.channels.verifiers import BodyHmac, InboundRequest
from hub.sdk.errors import PermanentError

ORDER = Topic(Action.ORDER, "woocommerce/order")
# X-WC-Webhook-Topic is not signed: an order topic's body must be an order (hub.channels.shapes), not a
# product, a customer or a coupon that some other webhook of the shop delivered.
ORDER_SHAPE = Shape("a WooCommerce order", {"id": "id", "status": "text", "line_items": "list"})
SIGNATURE_HEADER = "x-wc-webhook-signature"
PING = re.compile(rb"webhook_id=\d{1,20}")
PAGE_SIZE = 100  # WooCommerce's maximum per_page
# modified_after is exclusive and WooCommerce keeps whole seconds: re-reading one second before the watermark
# catches an order changed in the same second as the last one read (the dedupe key makes the re-read free).
OVERLAP = timedelta(seconds=1)


class WooCommerce(Channel):
    name = "woocommerce"
    verifier = BodyHmac((SIGNATURE_HEADER,))
    topic_headers = ("x-wc-webhook-topic",)
    event_id_headers = ("x-wc-webhook-delivery-id",)
    topics = {
        "order.created": ORDER,
        "order.updated": ORDER,
        "order.restored": ORDER,
        "order.deleted": Topic(Action.IGNORE),
        "order": ORDER,  # an order read by pull()
    }
    shapes = {topic: ORDER_SHAPE for topic, spec in topics.items() if spec is ORDER}
    # REST v3 answers: GET /orders/{id} is the order a webhook delivers, GET /orders a list of them.
    responses = (Response("order", ORDER_SHAPE), Response("order", ORDER_SHAPE, form=Form.EACH))
    pulls = True

    def accepts_unsigned(self, request: InboundRequest) -> bool:
        return request.header(SIGNATURE_HEADER) is None and PING.fullmatch(request.body) is not None

    def pull(self, account: AccountContext, since: datetime | None) -> Iterator[Pulled]:
        """GET /orders by modification time, oldest first, read by keyset (hub.channels.paging)."""
        auth = (account.secret("consumer_key"), account.secret("consumer_secret"))

        def fetch(modified_since: datetime | None, page: int) -> list[Pulled]:
            params: dict[str, Any] = {"orderby": "modified", "order": "asc", "per_page": PAGE_SIZE, "page": page}
            if modified_since is not None:
                # dates_are_gmt: without it WooCommerce reads modified_after in the shop's own time zone;
                # modified_after is exclusive, so ask from just before the instant to include it
                after = modified_since.astimezone(UTC) - OVERLAP
                params["modified_after"] = after.strftime("%Y-%m-%dT%H:%M:%S")
                params["dates_are_gmt"] = "true"
            orders, _ = account.request_json("GET", "orders", params=params, auth=auth)
            if not isinstance(orders, list):
                raise PermanentError("woocommerce GET /orders did not answer a list of orders")
            return [pulled_order(order) for order in orders]

        yield from keyset_pages(fetch, since)


def pulled_order(order: Any) -> Pulled:
    """One REST v3 order as an inbox message, keyed by its id and modification time."""
    if not isinstance(order, dict) or order.get("id") in (None, "") or not order.get("date_modified_gmt"):
        raise PermanentError("woocommerce answered an order without id or date_modified_gmt")
    modified = str(order["date_modified_gmt"])
    try:
        updated_at = datetime.fromisoformat(modified).replace(tzinfo=UTC)
    except ValueError:
        raise PermanentError(f"woocommerce order {order['id']}: date_modified_gmt {modified!r} is not a date") from None
    return Pulled(
        topic="order",
        key=f"order:{order['id']}:{modified}",
        body=json.dumps(order, ensure_ascii=False).encode(),
        updated_at=updated_at,
    )
