"""The accounting journal: balanced entries derived from the canonical documents the hub stores, exported to
accounting destinations through the delivery engine, and reconciled back to the orders.

==================  =====================================================================================
module              what it holds
==================  =====================================================================================
``amounts``         rounding to a currency's minor unit, months as periods
``mapping``         the destination's account mapping file: logical accounts to its account codes
``facts``           what the hub's documents say happened: sales, refunds, supplier costs, as signed parts
``changes``         what changed since a destination's last scan: the orders a scan must read again
``journal``         the scan that books facts as append-only entries (and adjusting entries for changes)
``periods``         months a destination has closed, and the day an entry may carry
``payload``         an entry as the delivery carries it, and back into ``hub.sdk.JournalEntry``
``export``          an export run: build, plan one ``accounting.post`` delivery per new entry, send
``handler``         the delivery engine's handler for ``accounting.post``
``reconcile``       hub against exported (and against the destination's read-back), per channel and currency
``tasks``           the schedule: each destination exported every ``export_every_minutes``
==================  =====================================================================================
"""
