"""Outbound events: the hub's order and stock events, signed per Standard Webhooks, to one subscriber URL.

Settings: ``url`` (http or https; private, loopback and link-local addresses are refused unless
``allow_private_network`` is set by an operator), ``events`` (event types, or ``*``), ``timeout`` (seconds,
default 15); secrets: ``secret`` (``whsec_...``) and, while a rotation is under way, ``previous_secret``
(both sign every message, so the subscriber may verify with either).
"""

from connectors.events.connector import Events

__all__ = ["Events"]
