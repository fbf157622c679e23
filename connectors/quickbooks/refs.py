"""Customers and items, found by name or created, by the rule the account's settings state.

Items: a product line is sold as the item named by its SKU; shipping, tax and lines without a SKU as an item
named for what they are and the account they book to ("orderhub shipping 79", "orderhub tax CA State Tax"),
so each item's income account is the mapped one. A new item is a non-inventory item whose income account is
the line's mapped account (stock stays in the hub). Customers: one per channel account ("shopify:main
sales") or one per buyer ("Name <email>"). Found names are kept for the connector's lifetime.
"""

from __future__ import annotations

from typing import Any

from connectors.quickbooks.client import DuplicateName, QuickBooksClient, request_id
from hub.sdk import JournalLine, LineRole

NAME_MAX = 100


def quoted(text: str) -> str:
    """A string literal of QuickBooks' query language."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def select(entity: str, *conditions: tuple[str, str, str]) -> str:
    """A query statement; every value is a quoted literal, every field and operator a constant of ours."""
    where = " and ".join(f"{field} {operator} {quoted(value)}" for field, operator, value in conditions)
    return f"select * from {entity} where {where}"  # noqa: S608 - QuickBooks' query language, values quoted


def item_name(line: JournalLine) -> str:
    if line.role is LineRole.REVENUE and line.sku:
        return line.sku[:NAME_MAX]
    if line.role is LineRole.TAX:
        return f"orderhub tax {line.tax_name or line.account}"[:NAME_MAX]
    return f"orderhub {line.role.value} {line.account}"[:NAME_MAX]


class References:
    def __init__(self, client: QuickBooksClient) -> None:
        self.client = client
        self._items: dict[str, str] = {}
        self._customers: dict[str, str] = {}

    def item(self, line: JournalLine) -> str:
        name = item_name(line)
        if name not in self._items:
            body = {"Name": name, "Type": "NonInventory", "IncomeAccountRef": {"value": line.account}}
            self._items[name] = self._find_or_create("Item", "Name", name, "item", body)
        return self._items[name]

    def customer(self, name: str) -> str:
        if name not in self._customers:
            self._customers[name] = self._find_or_create(
                "Customer", "DisplayName", name, "customer", {"DisplayName": name}
            )
        return self._customers[name]

    def _find_or_create(self, entity: str, field: str, name: str, path: str, body: dict[str, Any]) -> str:
        found = self.client.query(select(entity, (field, "=", name)))
        if found:
            return str(found[0]["Id"])
        try:
            created = self.client.post(path, body, request=request_id(f"{entity}:{name}"))
        except DuplicateName:  # made meanwhile by another worker: read it
            found = self.client.query(select(entity, (field, "=", name)))
            if not found:
                raise
            return str(found[0]["Id"])
        return str(created[entity]["Id"])
