"""The order-management core wired together: stored orders routed through the database.

``hub.inventory`` keeps stock and never oversells, ``hub.routing`` decides where each line ships from
without touching anything, and ``hub.lifecycle`` keeps each order's quantities and fulfillment orders.
This package is what joins them, one transaction at a time:

==================  ===================================================================================
``store_snapshot``  the routing engine's ``Snapshot`` read from inventory (locations, levels, incoming)
``stock_effects``   lifecycle commands carried out together with their inventory effects
``commit``          a decision's allocations committed with ``hub.inventory``; a lost race re-decides
``route``           ``route_order``: load, decide, commit, create fulfillment orders, record the trace
``route_batch``     ``route_orders``: the same for a batch of orders in one transaction, each all or nothing
``process_cache``   the rule set and the locations, kept per process and read again when they change
``waiting``         orders not fully routed: when to look again, stock arriving, auto-cancel, the sweep
``cancellation``    a channel's cancellation carried into the lifecycle, releasing the stock it held
==================  ===================================================================================
"""
