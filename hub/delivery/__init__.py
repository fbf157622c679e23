"""Delivery: what the hub owes its partners (the outbox), how it is sent and retried, and what comes back."""
