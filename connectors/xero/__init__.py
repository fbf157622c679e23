"""Xero: the hub's journal entries as sales invoices and credit notes paid into the channel's clearing
account, and manual journals for anything else, through the Accounting API 2.0.

Settings: ``base_url`` (default https://api.xero.com), ``tenant_id`` (the organisation's xero-tenant-id),
``access_token`` (secret, an OAuth 2 bearer token; point the reference at a file a token refresher keeps
current), ``contact_rule`` (``per_channel`` or ``per_buyer``), ``timeout``, and the settings every accounting
connector has (``mapping_file`` ...). The mapping's account codes are Xero account codes; each channel's
clearing account must accept payments ("Enable payments to this account", or a bank account).
"""

from connectors.xero.connector import Xero

__all__ = ["Xero"]
