"""What the hub asks of an accounting connector: post journal entries, and read back what the ledger holds.

The hub keeps its own journal (``hub.accounting``): every financial fact (a sale, a refund, a channel fee, a
supplier's cost, an adjustment of a closed period) becomes one balanced ``JournalEntry`` whose accounts are
already mapped to the destination's chart of accounts. A connector only renders that entry in its partner's
shape (a QuickBooks sales receipt or journal entry, a Xero invoice or manual journal, a CSV row per line) and
never recomputes amounts: debits equal credits in every entry the hub hands over, in one currency.

``entry_id`` is stable for one fact at one version (``sale:ord_...``, ``refund:ord_...:ref_...``,
``adjust:sale:ord_...:2``), so a connector may use it as the partner's document number or reference; the
``idempotency_key`` is the hub's key for posting that entry to this destination (hand it to QuickBooks as
``requestid``, to Xero as ``Idempotency-Key``). Amounts are decimal strings with the currency's minor units
("12.50"), never floats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal, Protocol, runtime_checkable

from pydantic import Field

from hub.sdk.capabilities import Submitted
from hub.sdk.config import ConnectorConfig
from hub.sdk.errors import ConnectorError


class AccountingConfig(ConnectorConfig):
    """The settings every accounting connector's ``Config`` derives from: what the hub's journal needs to know
    about a destination, beside the connector's own settings (credentials, a folder ...)."""

    mapping_file: str = Field(
        min_length=1,
        description="The account mapping (YAML or JSON): the destination's account code for revenue, shipping, "
        "discounts, tax per tax name, fees, cost of goods, and the clearing account per channel.",
    )
    recognise_on: Literal["order", "shipment"] = Field(
        default="order",
        description="Book a sale when the order is captured (`order`) or as its units ship (`shipment`).",
    )
    books_from: date | None = Field(
        default=None, description="The first day whose facts this destination books; earlier ones are left out."
    )
    export_every_minutes: int = Field(
        default=0, ge=0, le=10080, description="Export on this schedule (minutes); 0 exports only when asked."
    )


class EntryKind(StrEnum):
    """What fact a journal entry books."""

    SALE = "sale"
    REFUND = "refund"
    FEE = "fee"
    SUPPLIER_COST = "supplier_cost"
    ADJUSTMENT = "adjustment"


class LineRole(StrEnum):
    """What one journal line stands for, so a connector can pick its partner's line type (a product line, a
    tax line, a shipping line) without reading account codes."""

    CLEARING = "clearing"  # what the channel owes the merchant (or pays back): the balancing side of a sale
    REVENUE = "revenue"  # a product line
    DISCOUNT = "discount"
    SHIPPING = "shipping"
    TAX = "tax"
    FEE = "fee"  # a channel's fee, or a restocking fee kept on a return
    COST = "cost"  # cost of goods (a supplier's invoice)
    PAYABLE = "payable"  # what the merchant owes a supplier
    ADJUSTMENT = "adjustment"


@dataclass(frozen=True)
class OrderReference:
    """The order an entry belongs to, by every name people and partners know it under."""

    order_id: str  # the hub's id (ord_...)
    channel: str  # the channel account it came from ("shopify:main")
    channel_order_id: str
    number: str | None = None  # the number the buyer saw ("#1001")


@dataclass(frozen=True)
class Customer:
    """The buyer (or, for a supplier cost, the supplier) as the order names them."""

    name: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class JournalLine:
    """One side of one amount. Exactly one of ``debit`` / ``credit`` is non-zero (decimal strings).

    ``account`` is the destination's account code, taken from its account mapping. Product lines carry
    ``sku``, ``quantity`` and ``unit_price``; tax lines carry ``tax_name`` (as the channel stated it, e.g.
    "CA State Tax") and ``tax_rate`` (a decimal fraction string, "0.0725") when known."""

    account: str
    role: LineRole
    debit: str = "0.00"
    credit: str = "0.00"
    description: str = ""
    sku: str | None = None
    quantity: int | None = None
    unit_price: str | None = None
    tax_name: str | None = None
    tax_rate: str | None = None

    @property
    def amount(self) -> Decimal:
        """Signed amount: debit positive, credit negative."""
        return Decimal(self.debit) - Decimal(self.credit)


@dataclass(frozen=True)
class JournalEntry:
    """One balanced journal entry, in one currency, as the connector posts it.

    ``reverses`` names the entry this one adjusts (for an ``adjustment`` after a period was closed, the
    original fact's entry id); ``memo`` is a sentence for people reading the ledger."""

    entry_id: str
    kind: EntryKind
    date: date
    currency: str  # ISO 4217
    lines: tuple[JournalLine, ...]
    order: OrderReference | None = None
    customer: Customer | None = None
    memo: str = ""
    reverses: str | None = None
    source_id: str | None = None  # the hub's id of the fact (a refund id, a supplier invoice number)

    def total_debit(self) -> Decimal:
        return sum((Decimal(line.debit) for line in self.lines), Decimal(0))

    def total_credit(self) -> Decimal:
        return sum((Decimal(line.credit) for line in self.lines), Decimal(0))

    def is_balanced(self) -> bool:
        return self.total_debit() == self.total_credit()

    def lines_with(self, role: LineRole) -> tuple[JournalLine, ...]:
        return tuple(line for line in self.lines if line.role == role)


@dataclass(frozen=True)
class Period:
    """A span of entry dates, both ends included (a month: ``Period(date(2026, 11, 1), date(2026, 11, 30))``)."""

    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@dataclass(frozen=True)
class LedgerRecord:
    """An entry as the destination's ledger reads back, for reconciliation.

    ``entry_id`` is the hub's entry id where the connector stored it at the partner (a document number, a
    reference); ``total`` is a decimal string in ``currency``: the entry's total debit for a journal, or, for a
    document that nets its lines (a sales receipt, an invoice, a credit note, a refund receipt), the
    document's own total, which is the amount on the entry's clearing side. Reconciliation accepts either."""

    entry_id: str | None
    external_id: str
    date: date
    currency: str
    total: str
    kind: EntryKind | None = None
    order_number: str | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())


@runtime_checkable
class PostsJournalEntries(Protocol):
    """Posts one journal entry to the destination's ledger."""

    def post_entry(self, entry: JournalEntry, idempotency_key: str) -> Submitted:
        """Post ``entry``; ``Submitted.external_id`` is the partner's id for what it made. A resend with the
        same ``idempotency_key`` must not post twice (the partner's idempotency, or find the first copy and
        raise ``AlreadyDelivered``). Raise ``PermanentError`` for an entry the partner refuses as such
        (an account that does not exist), ``ConfigurationError`` for settings that must change first."""
        ...


@runtime_checkable
class PostsJournalEntryBatch(Protocol):
    """Posts several entries in one call: a batch API (QuickBooks ``/batch``), or one file for a whole export
    run (a CSV journal). Optional: the engine falls back to ``post_entry`` one by one."""

    def post_entries(self, batch: Sequence[tuple[JournalEntry, str]]) -> Sequence[Submitted | ConnectorError]:
        """One answer per ``(entry, idempotency_key)``, in order: what was posted, or the error for that entry
        alone. A failure of the whole call raises instead (and nothing of it may stay posted)."""
        ...


@runtime_checkable
class ReadsLedger(Protocol):
    """Reads back what the destination's ledger holds, so reconciliation can compare it with the hub."""

    def read_entries(self, period: Period) -> list[LedgerRecord]:
        """Every entry the hub posted there dated within ``period`` (the partner's own entries are left out
        where the connector can tell them apart)."""
        ...


_SALES_ROLES = frozenset({LineRole.CLEARING, LineRole.REVENUE, LineRole.SHIPPING, LineRole.TAX, LineRole.DISCOUNT})


def sales_clearing(entry: JournalEntry) -> JournalLine | None:
    """The clearing line when ``entry`` has the shape of a sales document (a sale: one clearing debit, product,
    shipping and tax credits, discount debits; a refund: the mirror), else None: post it as a journal entry.
    A connector renders the first as its partner's sales receipt or invoice (credit note, refund receipt)."""
    if entry.kind not in (EntryKind.SALE, EntryKind.REFUND) or any(
        line.role not in _SALES_ROLES for line in entry.lines
    ):
        return None
    clearing = entry.lines_with(LineRole.CLEARING)
    money_in = entry.kind is EntryKind.SALE
    if len(clearing) != 1 or (Decimal(clearing[0].debit) > 0) != money_in:
        return None
    for line in entry.lines:
        if line.role is LineRole.CLEARING:
            continue
        positive_side = line.debit if (line.role is LineRole.DISCOUNT) == money_in else line.credit
        if Decimal(positive_side) <= 0:
            return None
    return clearing[0]


def customer_name(rule: str, order: OrderReference | None, customer: Customer | None, limit: int = 100) -> str:
    """The customer (contact) an entry is booked to, by the stated rule: ``per_buyer`` names the buyer
    ("Name <email>") when known; otherwise (and for ``per_channel``) one per channel account ("shopify:main
    sales")."""
    if rule == "per_buyer" and customer and (customer.name or customer.email):
        parts = [customer.name or "", f"<{customer.email}>" if customer.email else ""]
        return " ".join(part for part in parts if part)[:limit]
    return f"{order.channel if order else 'orderhub'} sales"[:limit]
