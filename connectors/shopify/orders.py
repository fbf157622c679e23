"""Cancelling and refunding at Shopify: the whole order through ``orderCancel``; some units, or money, through
``refundCreate`` with the transactions Shopify's own ``suggestedRefund`` proposes (the hub never computes or
moves money itself).

A refund carries the hub's idempotency key in its note, and the order's refunds are read first: a resend
finds the refund made before instead of refunding twice. A cancellation of an order already cancelled is
reported as done.
"""

from __future__ import annotations

from typing import Any

from connectors.shopify.client import ShopifyClient, user_errors
from connectors.shopify.ids import gid
from hub.sdk import AlreadyDelivered, ChannelCancellation, ChannelRefund, PermanentError, Submitted, UpdateLine

ORDER_STATE = """
query OrderState($id: ID!) {
  order(id: $id) { id cancelledAt refunds(first: 100) { id note } }
}
"""

ORDER_CANCEL = """
mutation OrderCancel($orderId: ID!, $reason: OrderCancelReason!, $refund: Boolean!, $restock: Boolean!,
                     $notifyCustomer: Boolean, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, refund: $refund, restock: $restock,
              notifyCustomer: $notifyCustomer, staffNote: $staffNote) {
    job { id }
    orderCancelUserErrors { code field message }
  }
}
"""

SUGGESTED_REFUND = """
query SuggestedRefund($id: ID!, $lines: [RefundLineItemInput!], $shipping: Boolean) {
  order(id: $id) {
    suggestedRefund(refundLineItems: $lines, refundShipping: $shipping) {
      amountSet { shopMoney { amount currencyCode } }
      suggestedTransactions { amountSet { shopMoney { amount } } gateway kind parentTransaction { id } }
    }
  }
}
"""

REFUND_CREATE = """
mutation RefundCreate($input: RefundInput!) {
  refundCreate(input: $input) {
    refund { id }
    userErrors { field message }
  }
}
"""


def cancel(client: ShopifyClient, cancellation: ChannelCancellation, key: str, *, refund: bool) -> Submitted:
    order_id = gid("Order", cancellation.order.channel_order_id, "the order's channel id")
    if cancellation.lines:
        return refund_lines(
            client, order_id, cancellation.lines, key, note=cancellation.reason, restock_type="CANCEL", shipping=False
        )
    state = _state(client, order_id)
    if state.get("cancelledAt"):
        return Submitted(external_id=order_id, note=f"Shopify order {order_id} was already cancelled")
    variables = {
        "orderId": order_id,
        "reason": "INVENTORY" if "stock" in cancellation.reason.lower() else "OTHER",
        "refund": refund,
        "restock": False,  # the hub keeps the stock books; Shopify's own figures follow the hub's feed
        "notifyCustomer": cancellation.notify_customer,
        "staffNote": cancellation.reason[:255],
    }
    data = client.execute(ORDER_CANCEL, variables, what="orderCancel")
    payload = data.get("orderCancel") or {}
    user_errors(payload, "orderCancel", key="orderCancelUserErrors")
    job = (payload.get("job") or {}).get("id")
    return Submitted(external_id=order_id, note=f"Shopify cancels order {order_id}" + (f" (job {job})" if job else ""))


def refund(client: ShopifyClient, request: ChannelRefund, key: str) -> Submitted:
    order_id = gid("Order", request.order.channel_order_id, "the order's channel id")
    restock = "RETURN" if request.restock else "NO_RESTOCK"
    return refund_lines(
        client,
        order_id,
        request.lines,
        key,
        note=request.reason,
        restock_type=restock,
        shipping=request.shipping,
        amount=request.amount,
        notify=request.notify_customer,
    )


def refund_lines(
    client: ShopifyClient,
    order_id: str,
    lines: tuple[UpdateLine, ...],
    key: str,
    *,
    note: str,
    restock_type: str,
    shipping: bool,
    amount: str | None = None,
    notify: bool = True,
) -> Submitted:
    marker = f"[orderhub {key}]"
    made = next((r for r in _state(client, order_id).get("refunds") or [] if marker in str(r.get("note") or "")), None)
    if made is not None:
        return Submitted(external_id=str(made["id"]), note=f"Shopify refund {made['id']} (made before)")
    refund_lines = [
        {"lineItemId": gid("LineItem", line.channel_line_id, f"line item of order line {line.line_id}"),
         "quantity": line.quantity}
        for line in lines
    ]  # fmt: skip
    transactions = _transactions(client, order_id, refund_lines, shipping, amount)
    refund_input: dict[str, Any] = {
        "orderId": order_id,
        "note": f"{note[:200]} {marker}",
        "notify": notify,
        "refundLineItems": [line | {"restockType": restock_type} for line in refund_lines],
        "transactions": transactions,
    }
    if shipping:
        refund_input["shipping"] = {"fullRefund": True}
    data = client.execute(REFUND_CREATE, {"input": refund_input}, what="refundCreate")
    payload = data.get("refundCreate") or {}
    user_errors(payload, "refundCreate")
    made_id = (payload.get("refund") or {}).get("id")
    if not made_id:
        raise PermanentError("Shopify refundCreate answered without a refund")
    return Submitted(external_id=str(made_id), note=f"Shopify refund {made_id}")


def _transactions(
    client: ShopifyClient, order_id: str, lines: list[dict[str, Any]], shipping: bool, amount: str | None
) -> list[dict[str, Any]]:
    """The refund transactions Shopify suggests for these lines (and shipping); ``amount`` replaces the
    suggested amount when the operator named one."""
    variables = {"id": order_id, "lines": lines, "shipping": shipping}
    order = client.execute(SUGGESTED_REFUND, variables, what="suggestedRefund").get("order")
    if not isinstance(order, dict):
        raise PermanentError(f"Shopify has no order {order_id}")
    suggested = (order.get("suggestedRefund") or {}).get("suggestedTransactions") or []
    transactions = []
    for found in suggested:
        parent = (found.get("parentTransaction") or {}).get("id")
        value = ((found.get("amountSet") or {}).get("shopMoney") or {}).get("amount")
        transactions.append(
            {
                "orderId": order_id,
                "parentId": parent,
                "amount": str(value),
                "gateway": found.get("gateway"),
                "kind": "REFUND",
            }
        )
    if amount is not None:
        if not transactions:
            raise AlreadyDelivered(f"Shopify suggests nothing left to refund on order {order_id}")
        transactions = [transactions[0] | {"amount": amount}]
    return transactions


def _state(client: ShopifyClient, order_id: str) -> dict[str, Any]:
    order = client.execute(ORDER_STATE, {"id": order_id}, what="order state").get("order")
    if not isinstance(order, dict):
        raise PermanentError(f"Shopify has no order {order_id}")
    return order
