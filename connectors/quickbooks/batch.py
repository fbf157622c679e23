"""QuickBooks' ``/batch``: up to 30 creates in one call, each answered on its own.

The call carries ``BatchItemRequest``: items ``{"bId", "operation": "create", "<Entity>": body}``; the answer's
``BatchItemResponse`` holds per ``bId`` either the created row under its entity name or a ``Fault`` for that
item alone (the others are made). The call's ``requestid`` (at most 36 characters for a batch) is derived from
the idempotency keys of its items, so a resend of the same group gets the first answer and posts nothing
twice; an item of a group formed differently on a retry is caught by its document number (Fault 6140), which
the connector resolves as it does for a single post.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from connectors.quickbooks.client import fault_error
from connectors.quickbooks.documents import Document
from hub.sdk import ConnectorError, TransientError

BATCH_MAX = 30  # Intuit: at most 30 operations per batch request
REQUEST_ID_MAX = 36
ENTITY_NAMES = {
    "salesreceipt": "SalesReceipt",
    "invoice": "Invoice",
    "refundreceipt": "RefundReceipt",
    "journalentry": "JournalEntry",
    "payment": "Payment",
}


def batch_request_id(keys: Sequence[str]) -> str:
    digest = hashlib.sha1("\n".join(["batch", *keys]).encode())  # noqa: S324 - an id, not security
    return digest.hexdigest()[:REQUEST_ID_MAX]


def batch_body(documents: Sequence[Document]) -> dict[str, Any]:
    items = [
        {"bId": f"b{index}", "operation": "create", ENTITY_NAMES[document.entity]: document.body}
        for index, document in enumerate(documents)
    ]
    return {"BatchItemRequest": items}


def batch_answers(answer: dict[str, Any], documents: Sequence[Document]) -> list[dict[str, Any] | ConnectorError]:
    """Per document, in order: the created row, or the error its own ``Fault`` means."""
    by_id = {str(item.get("bId")): item for item in answer.get("BatchItemResponse", []) if isinstance(item, dict)}
    found: list[dict[str, Any] | ConnectorError] = []
    for index, document in enumerate(documents):
        item = by_id.get(f"b{index}")
        entity = ENTITY_NAMES[document.entity]
        if item is None:
            found.append(TransientError(f"QuickBooks' batch answer has no item b{index} ({entity})"))
        elif "Fault" in item:
            found.append(fault_error(400, item["Fault"], str(item["Fault"])[:300], None))
        elif isinstance(item.get(entity), dict):
            found.append(dict(item[entity]))
        else:
            found.append(TransientError(f"QuickBooks' batch answer for b{index} holds no {entity}"))
    return found
