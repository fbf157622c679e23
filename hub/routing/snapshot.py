"""What routing decides on: the locations that can fulfil, their facts, and their stock for each SKU.

A ``Snapshot`` is taken once per decision and only read by the engine, so a decision can be replayed
(``orderhub route simulate``) and explained later. In the hub it is built from ``hub.inventory``; for the
CLI and the scenario tests it is read from JSON::

    {"locations": [{"id": "wh-east", "kind": "warehouse", "capabilities": ["ship"],
                    "address": {"country": "US", "region": "NJ", "postal_code": "07001"},
                    "coordinates": [40.58, -74.27], "priority": 10,
                    "cutoff": {"time": "15:00", "timezone": "America/New_York"},
                    "cost": {"per_shipment": "4.50", "per_unit": "0.40", "regions": {"US-CA": {"per_unit": "0.55"}}},
                    "stock": {"TEE-M": {"available": 12,
                                        "incoming": [{"quantity": 40, "expected": "2026-03-09",
                                                      "reference": "ASN-1001"}]}}}],
     "postal_points": {"US:100": [40.75, -73.99]}}

``available`` is what may be promised now (on hand - committed - reserved - safety stock); it may be
negative in the inventory's books and counts as zero here. ``incoming`` and ``preorder`` are what may be
promised against future stock. When a commit loses a race for stock, ``with_available`` gives the same
snapshot with that location's figure lowered, and the order is decided again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hub.canonical.base import CountryCode, CurrencyCode, DecimalString, NonEmptyStr, Timestamp
from hub.routing.errors import SnapshotError
from hub.routing.validation import describe


class SnapshotModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LocationKind(StrEnum):
    WAREHOUSE = "warehouse"
    STORE = "store"
    THIRD_PARTY = "3pl"
    SUPPLIER = "supplier"  # drop-ship: the supplier ships to the buyer


class Capability(StrEnum):
    SHIP = "ship"
    PICKUP = "pickup"
    SHIP_FROM_STORE = "ship_from_store"


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Coordinates(SnapshotModel):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, value: Any) -> Any:
        # [latitude, longitude] is how people write points by hand; accept it beside the object form.
        if isinstance(value, list | tuple) and len(value) == 2:
            return {"latitude": value[0], "longitude": value[1]}
        return value


class Place(SnapshotModel):
    """Where a location is, as far as routing needs it: country, region (state), postal code."""

    country: CountryCode
    region: NonEmptyStr | None = None
    postal_code: NonEmptyStr | None = None
    city: NonEmptyStr | None = None


TimeOfDay = time  # the field below is called "time", which would shadow the type inside the class


class Cutoff(SnapshotModel):
    """The last time of day an allocation still ships that day, in the location's own time zone."""

    time: TimeOfDay
    timezone: NonEmptyStr = "UTC"
    days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    closed: tuple[date, ...] = Field(default=(), description="Dates the location does not ship (holidays).")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {zone!r}: use an IANA name such as America/New_York") from None
        return zone

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @field_validator("days")
    @classmethod
    def _some_day(cls, days: tuple[Weekday, ...]) -> tuple[Weekday, ...]:
        if not days:
            raise ValueError("a cutoff needs at least one shipping day")
        return days

    def ship_date(self, now: datetime) -> date:
        """The day an allocation made at ``now`` leaves: today before the cutoff on a shipping day, else
        the next shipping day that is not closed."""
        local = now.astimezone(self.zone)
        day = local.date()
        if local.time() >= self.time:
            day += timedelta(days=1)
        for _ in range(370):  # a year of closed dates at most; a schedule that never ships gives up here
            if WEEKDAYS[day.weekday()] in self.days and day not in self.closed:
                return day
            day += timedelta(days=1)
        return day


# Most specific first when estimating: "US:941" (postal code prefix), "US-CA" (region), "US" (country).
REGION_PATTERN = r"^[A-Z]{2}(:[A-Z0-9]{1,10}|-[A-Z0-9]{1,3})?$"
POSTAL_POINT_PATTERN = r"^[A-Z]{2}(:\S+)?$"
_KEY_FORMS = {
    REGION_PATTERN: "a country (US), a country-region (US-CA) or a country:postal prefix (US:941)",
    POSTAL_POINT_PATTERN: "COUNTRY:POSTAL_PREFIX (US:100) or COUNTRY",
}


def _check_keys(mapping: dict[str, Any], pattern: str, what: str) -> None:
    for key in mapping:
        if not re.fullmatch(pattern, key):
            raise ValueError(f"{what} key {key!r} must be {_KEY_FORMS[pattern]}")


Amount = Annotated[DecimalString, Field(ge=0)]


class RegionCost(SnapshotModel):
    per_shipment: Amount | None = None
    per_unit: Amount | None = None


class CostProfile(SnapshotModel):
    """What shipping from a location costs: per shipment plus per unit, each overridable by destination."""

    currency: CurrencyCode | None = None
    per_shipment: Amount = Decimal(0)
    per_unit: Amount = Decimal(0)
    regions: dict[str, RegionCost] = Field(default_factory=dict)

    @field_validator("regions")
    @classmethod
    def _region_keys(cls, regions: dict[str, RegionCost]) -> dict[str, RegionCost]:
        _check_keys(regions, REGION_PATTERN, "region")
        return regions

    def estimate(self, units: int, country: str | None, region: str | None, postal_code: str = "") -> Decimal:
        """One shipment of ``units``; each figure comes from the most specific region that sets it."""
        keys = [f"{country}:{postal_code[:n]}" for n in range(len(postal_code), 0, -1)] if country else []
        keys += [f"{country}-{region}"] if country and region else []
        keys += [country] if country else []
        found = [self.regions[key] for key in keys if key in self.regions]
        per_shipment = next((cost.per_shipment for cost in found if cost.per_shipment is not None), self.per_shipment)
        per_unit = next((cost.per_unit for cost in found if cost.per_unit is not None), self.per_unit)
        return per_shipment + per_unit * units


class Incoming(SnapshotModel):
    """Stock on its way to a location (an ASN or an open purchase order), not yet promised."""

    quantity: int = Field(ge=0)
    expected: date | None = None
    reference: NonEmptyStr | None = None


class Preorder(SnapshotModel):
    """How many units of a not yet released item may still be sold ahead, and when it is released."""

    remaining: int = Field(ge=0)
    release: date | None = None


class Stock(SnapshotModel):
    available: int = 0
    incoming: tuple[Incoming, ...] = ()
    preorder: Preorder | None = None


class Location(SnapshotModel):
    id: NonEmptyStr
    name: NonEmptyStr | None = None
    kind: LocationKind
    capabilities: frozenset[Capability] = frozenset()
    address: Place | None = None
    coordinates: Coordinates | None = None
    postal_region: str | None = Field(
        default=None,
        pattern=REGION_PATTERN,
        description='Where the location is when it has no coordinates: "US:606" (postal prefix), "US-IL", "US".',
    )
    cutoff: Cutoff | None = None
    cost: CostProfile | None = None
    priority: int = Field(default=100, description="Lower is preferred by the priority sort.")
    aliases: tuple[NonEmptyStr, ...] = Field(
        default=(), description="Other names orders use for this location: store number, channel location id."
    )
    stock: dict[NonEmptyStr, Stock] = Field(default_factory=dict)

    def available(self, sku: str) -> int:
        level = self.stock.get(sku)
        return max(0, level.available) if level else 0

    def answers_to(self, name: str) -> bool:
        wanted = name.strip().casefold()
        return any(wanted == known.casefold() for known in (self.id, *self.aliases))


class Snapshot(SnapshotModel):
    taken_at: Timestamp | None = None
    locations: tuple[Location, ...] = ()
    postal_points: dict[str, Coordinates] = Field(
        default_factory=dict,
        description='Centroids of postal areas, "US:100" (country and postal code prefix) or "US", used to '
        "place a ship-to address that has no coordinates of its own.",
    )

    @field_validator("postal_points")
    @classmethod
    def _postal_keys(cls, points: dict[str, Coordinates]) -> dict[str, Coordinates]:
        _check_keys(points, POSTAL_POINT_PATTERN, "postal point")
        return points

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        seen: set[str] = set()
        for location in self.locations:
            if location.id in seen:
                raise ValueError(f"location id {location.id!r} appears twice; each location is listed once")
            seen.add(location.id)
        return self

    def location(self, location_id: str) -> Location:
        for location in self.locations:
            if location.id == location_id:
                return location
        raise KeyError(location_id)

    def with_available(self, location_id: str, sku: str, available: int) -> Snapshot:
        """The same snapshot with ``available`` of ``sku`` at ``location_id`` replaced: what the engine is
        given again after a commit found less stock there than the snapshot promised."""
        location = self.location(location_id)
        level = location.stock.get(sku, Stock())
        stock = {**location.stock, sku: level.model_copy(update={"available": available})}
        changed = location.model_copy(update={"stock": stock})
        locations = tuple(changed if item.id == location_id else item for item in self.locations)
        return self.model_copy(update={"locations": locations})

    def with_levels(self, available: Mapping[str, Mapping[str, int]]) -> Snapshot:
        """The same snapshot with ``available`` units (location id -> SKU -> units) in place of those it
        holds: ``with_available`` for many SKUs and locations at once, one copy of each location changed."""
        locations = []
        for location in self.locations:
            levels = available.get(location.id)
            if levels:
                stock = dict(location.stock)
                for sku, units in levels.items():
                    stock[sku] = stock.get(sku, Stock()).model_copy(update={"available": units})
                location = location.model_copy(update={"stock": stock})
            locations.append(location)
        return self.model_copy(update={"locations": tuple(locations)})


def read_snapshot(data: Any, source: str = "snapshot") -> Snapshot:
    """Validate JSON data as a snapshot; a ``SnapshotError`` names ``source`` and each bad field path."""
    try:
        return Snapshot.model_validate(data)
    except ValidationError as exc:
        raise SnapshotError(f"{source}: not a valid stock snapshot: {describe(exc)}") from None
