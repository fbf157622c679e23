"""Cross-checks between an order's line ledgers and its fulfillment orders and returns.

Each count the ledger keeps per line must equal what the documents hold for that line:

* allocated - released  == open units in fulfillment orders not sent yet (state created)
* released - shipped    == open units in fulfillment orders the locations have (sent, accepted, partially shipped)
* shipped               == units shipped by all fulfillment orders
* return_requested - returned == units still awaited by returns; returned, restocked, disposed == their sums

A command whose result breaks one of these has a bug in its action; ``OrderLifecycle.apply`` refuses to
return such a result, and the tests run every scenario and random sequences of commands against it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.lifecycle.fulfillment import FulfillmentLine, FulfillmentState

if TYPE_CHECKING:
    from hub.lifecycle.aggregate import OrderLifecycle

RELEASED = (FulfillmentState.SENT, FulfillmentState.ACCEPTED, FulfillmentState.PARTIALLY_SHIPPED)


def _open(held: list[tuple[FulfillmentState, FulfillmentLine]], states: tuple[FulfillmentState, ...]) -> int:
    return sum(line.open for state, line in held if state in states)


def consistency_problems(lifecycle: OrderLifecycle) -> list[str]:
    """Every disagreement between the ledger and the documents, in words; empty when they agree."""
    problems = []
    for line_id, line in lifecycle.lines.items():
        q = line.quantities
        held = [(fo.state, fo.lines[line_id]) for fo in lifecycle.fulfillment_orders.values() if line_id in fo.lines]
        back = [rma.lines[line_id] for rma in lifecycle.returns.values() if line_id in rma.lines]
        expected = {
            "allocated - released": (q.allocated - q.released, _open(held, (FulfillmentState.CREATED,))),
            "released - shipped": (q.released - q.shipped, _open(held, RELEASED)),
            "shipped": (q.shipped, sum(fl.shipped for _, fl in held)),
            "return_requested - returned": (q.return_requested - q.returned, sum(r.awaited for r in back)),
            "returned": (q.returned, sum(r.received for r in back)),
            "restocked": (q.restocked, sum(r.restocked for r in back)),
            "disposed": (q.disposed, sum(r.disposed for r in back)),
        }
        problems += [
            f"line {line_id!r}: ledger {name} is {ledger} but the documents hold {documents}"
            for name, (ledger, documents) in expected.items()
            if ledger != documents
        ]
    return problems
