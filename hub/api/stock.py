"""``/api/v1/inventory/level``, ``/inventory/counts`` and ``/inventory/adjustments``: one stock level with
its ETag, and the two ways an operator changes stock by hand.

Both writes go through the inventory core as ``orderhub stock set`` and ``stock adjust`` do, with the token
as the ledger's ``source`` (``api:<token name>``), so the ledger explains the change and available to sell
follows from the level. A count is reconciled against the movements recorded since it was taken (a late
count does not undo shipments), a stale or repeated count changes nothing and says so. ``If-Match`` takes
the level's ETag: "I saw 12 on the shelf, take 2 off" is refused with 412 when the level moved meanwhile.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, field_validator
from sqlalchemy.orm import Session

from hub.api.conditional import check_if_match, etag_of
from hub.api.inventory import TEXT, StockLevel
from hub.api.problems import Problem, bad_field
from hub.api.registry import BodyModel, Call, QueryModel, Reply, operation
from hub.db.models.base import utcnow
from hub.inventory import Level, Reason, adjust, apply_count, get_level
from hub.inventory.errors import InventoryInputError, UnknownLocation
from hub.inventory.locations import location_state
from hub.inventory.tables import ensure_level, lock_level

MAX_UNITS = 100_000_000  # far beyond any shelf; keeps sums inside the database's integer columns
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
SKU = Field(min_length=1, max_length=128, pattern=TEXT)
LOCATION = Field(min_length=1, max_length=64, pattern=TEXT)
NOTE = Field(default=None, max_length=255, pattern=TEXT)


class LevelKey(QueryModel):
    sku: str = SKU
    location: str = LOCATION


class NewCount(BodyModel):
    sku: str = SKU
    location_id: str = LOCATION
    quantity: int = Field(ge=0, le=MAX_UNITS, description="Units counted on hand.")
    as_of: AwareDatetime | None = Field(default=None, description="When they were counted (default: now).")
    key: str | None = Field(default=None, min_length=1, max_length=200, pattern=TEXT,
                            description="The count's own id: sent twice, it applies once.")  # fmt: skip
    reference: str | None = NOTE

    @field_validator("as_of")
    @classmethod
    def _plausible(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.astimezone(UTC) < EARLIEST:
            raise ValueError("must be in the year 2000 or later")
        return value


class NewAdjustment(BodyModel):
    sku: str = SKU
    location_id: str = LOCATION
    delta: int = Field(ge=-MAX_UNITS, le=MAX_UNITS, description="Units to add to on hand (negative to remove); not 0.")
    reason: Literal["adjustment", "return_restock", "receipt"] = "adjustment"
    note: str | None = Field(default=None, max_length=2000, pattern=TEXT, description="Why, for the ledger.")
    reference: str | None = NOTE
    key: str | None = Field(default=None, min_length=1, max_length=200, pattern=TEXT,
                            description="The change's own id: sent twice, it applies once.")  # fmt: skip


class CountAnswer(BaseModel):
    status: Literal["applied", "stale", "duplicate"] = Field(
        description="stale: a newer count was applied before; duplicate: this key was applied before."
    )
    key: str
    ledger_value: int | None = Field(description="On hand as the ledger had it at as_of.")
    adjustment: int | None = Field(description="What was applied to on hand.")
    level: StockLevel


class AdjustmentAnswer(BaseModel):
    applied: bool = Field(description="False when the key was applied before: nothing changed.")
    level: StockLevel


def _view(level: Level) -> StockLevel:
    return StockLevel.model_validate(level.as_json())


def _locked_level(call: Call, sku: str, location_id: str) -> Level:
    """The level, locked for this transaction, after checking ``If-Match`` against it."""
    session: Session = call.session
    try:
        location_state(session, location_id)
    except UnknownLocation as missing:
        raise bad_field(422, "body", "location_id", str(missing)) from None
    now = utcnow()
    ensure_level(session, sku, location_id, now)
    lock_level(session, sku, location_id, now)
    level = get_level(session, sku, location_id)
    check_if_match(call.if_match, etag_of(level.as_json()))
    return level


@operation("GET", "/inventory/level", scope="read", tag="inventory", query=LevelKey, response=StockLevel, etag=True,
           problems=(404,), summary="One SKU's stock at one location, with its ETag")  # fmt: skip
def read_level(call: Call) -> Reply:
    q: LevelKey = call.query
    try:
        location_state(call.session, q.location)
    except UnknownLocation as missing:
        raise Problem(404, str(missing)) from None
    level = get_level(call.session, q.sku, q.location)
    return Reply(_view(level), etag_of(level.as_json()))


@operation("POST", "/inventory/counts", scope="operate", tag="inventory", body=NewCount, response=CountAnswer,
           etag=True, if_match=True, summary="Record a cycle count: on hand as of a moment, reconciled with the "
           "movements since")  # fmt: skip
def record_count(call: Call) -> Reply:
    body: NewCount = call.body
    now = utcnow()
    as_of = body.as_of or now
    if as_of > now + timedelta(hours=1):
        raise bad_field(422, "body", "as_of", "is in the future: check the clock of whoever counted")
    _locked_level(call, body.sku, body.location_id)
    try:
        result = apply_count(call.session, body.location_id, body.sku, body.quantity, as_of,
                             key=body.key, reference=body.reference, source=call.actor)  # fmt: skip
    except InventoryInputError as refused:
        raise Problem(422, str(refused)) from None
    level = get_level(call.session, body.sku, body.location_id)
    answer = CountAnswer(status=result.status.value, key=result.key, ledger_value=result.ledger_value,
                         adjustment=result.adjustment, level=_view(level))  # fmt: skip
    return Reply(answer, etag_of(level.as_json()))


@operation("POST", "/inventory/adjustments", scope="operate", tag="inventory", body=NewAdjustment,
           response=AdjustmentAnswer, etag=True, if_match=True, problems=(409,),
           summary="Add units to on hand or take them off, with the reason")  # fmt: skip
def record_adjustment(call: Call) -> Reply:
    body: NewAdjustment = call.body
    if body.delta == 0:
        raise bad_field(422, "body", "delta", "must not be 0")
    _locked_level(call, body.sku, body.location_id)
    try:  # taking off more than is on hand is refused by the core, naming the figure
        result = adjust(call.session, body.sku, body.location_id, body.delta, reason=Reason(body.reason),
                        note=body.note, reference=body.reference, key=body.key, source=call.actor)  # fmt: skip
    except InventoryInputError as refused:
        raise Problem(409, str(refused)) from None
    return Reply(AdjustmentAnswer(applied=result.applied, level=_view(result.level)), etag_of(result.level.as_json()))
