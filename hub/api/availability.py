"""``/api/v1/inventory/available``: what each channel account may show for a SKU now, and how the figure was
reached, computed from current stock by the configured availability rules (``orderhub availability show``).
Nothing is recorded: publishing the figures stays with the beat task and ``orderhub availability publish``."""

from __future__ import annotations

from pydantic import BaseModel, Field

from hub.api.inventory import TEXT
from hub.api.pagination import decode_cursor, encode_cursor
from hub.api.problems import Problem
from hub.api.registry import Call, QueryModel, operation
from hub.availability import AvailabilityRulesError, compute, rules_from
from hub.web.extension import hub_extension


class AvailableFilters(QueryModel):
    sku: str | None = Field(default=None, max_length=128, pattern=TEXT, description="One SKU (default: every SKU).")
    channel: str | None = Field(default=None, max_length=64, pattern=TEXT, description="One channel's accounts.")
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=600)


class Listing(BaseModel):
    channel: str
    account: str
    sku: str
    quantity: int = Field(description="Units the account may show as in stock.")
    preorder_quantity: int = Field(description="Units it may sell on pre-order.")
    explanation: str = Field(description="Which locations fed it, the share, buffer and floor applied.")


class Listings(BaseModel):
    items: list[Listing]
    next_cursor: str | None = None


@operation("GET", "/inventory/available", scope="read", tag="inventory", query=AvailableFilters, response=Listings,
           problems=(409,), summary="Available to sell per channel account and SKU, and how")  # fmt: skip
def available(call: Call) -> Listings:
    q: AvailableFilters = call.query
    path = hub_extension().runtime.settings.worker.availability_rules
    try:
        rules = rules_from(path)
        figures = compute(call.session, rules, [q.sku] if q.sku else None, channel=q.channel)
    except AvailabilityRulesError as error:
        raise Problem(409, f"the configured availability rules cannot be used: {error}") from None
    keys = sorted(figures)
    if q.cursor:
        last = tuple(decode_cursor(q.cursor, [str, str, str]))
        keys = [key for key in keys if key > last]
    page = keys[: q.limit]
    items = [Listing(channel=c, account=a, sku=s, quantity=figures[(c, a, s)].quantity,
                     preorder_quantity=figures[(c, a, s)].preorder_quantity,
                     explanation=figures[(c, a, s)].explanation) for c, a, s in page]  # fmt: skip
    return Listings(items=items, next_cursor=encode_cursor(page[-1]) if len(keys) > q.limit else None)
