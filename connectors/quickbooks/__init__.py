"""QuickBooks Online: the hub's journal entries as sales receipts (or invoices with their payment), refund
receipts and journal entries, through the Accounting API v3.

Settings: ``base_url`` (default https://quickbooks.api.intuit.com; the sandbox is
https://sandbox-quickbooks.api.intuit.com), ``realm_id`` (the company id), ``access_token`` (secret, an OAuth 2
bearer token; point the reference at a file a token refresher keeps current), ``minor_version`` (75 or later),
``sales_document`` (``sales_receipt`` or ``invoice``), ``customer_rule`` (``per_channel`` or ``per_buyer``),
``timeout``, and the settings every accounting connector has (``mapping_file``, ``recognise_on`` ...). The
mapping's account codes are QuickBooks account ids.
"""

from connectors.quickbooks.connector import QuickBooks

__all__ = ["QuickBooks"]
