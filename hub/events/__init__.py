"""Outbound events: what happens to orders and stock, told to subscribers through the delivery engine.

The order timeline is the source: ``plan`` reads timeline entries the hub has not planned yet and writes one
``event.publish`` delivery per subscriber that wants the event, keyed by (subscriber, timeline entry) so a
re-read plans nothing twice. The ``events`` connector signs and posts; the handler here keeps each order's
events in order per subscriber and disables a subscriber that fails for the whole published schedule.
"""
