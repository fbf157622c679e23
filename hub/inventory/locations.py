"""Locations: where stock is held and orders ship from, validated with pydantic and stored as rows.

Four kinds: ``warehouse`` (the merchant's own DC), ``store`` (retail, may offer pickup and ship-from-store),
``3pl`` (a third-party warehouse, usually fed by the 3PL's inventory feed) and ``supplier`` (a drop-ship
supplier: a virtual location whose stock is what the supplier reports in its 846 or feed, see
``hub.inventory.counts.apply_inventory_advice``).

A :class:`LocationSpec` carries what the routing engine weighs: where the location is (coordinates or a
postal-code region, and its postal address), what it can do (:class:`Capability`), its daily cutoff in its
own time zone (:meth:`Cutoff.next_cutoff`), a cost profile (:meth:`CostProfile.estimate`), a priority for
ties (lower first) and whether it is active. ``partner_id`` and ``external_id`` tie a location to the
partner that reports its stock and the code that partner uses for it (the N1 of its 846), so inbound
advices can find their location (:func:`location_for_partner`).

Rows keep typed columns for what queries filter on and the whole spec in ``profile``, so a location reads
back exactly as it was written.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.canonical.base import CurrencyCode, DecimalString
from hub.canonical.party import Address
from hub.db.models import Location
from hub.db.models.base import utcnow
from hub.edi.partners import describe_errors
from hub.inventory.errors import InvalidLocation, UnknownLocation

LOCATION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
# Cost regions, most specific first when estimating: "US:941" (postal-code prefix), "US-CA" (subdivision),
# "US" (country).
REGION_PATTERN = r"^[A-Z]{2}(?::[A-Z0-9]{1,10}|-[A-Z0-9]{1,3})?$"
# Who ships a location's fulfillment orders: "self", a connector account "shipstation:main", or "edi:PARTNER".
FULFILLER_PATTERN = r"^(self|[a-z0-9][a-z0-9_-]{0,63}:[A-Za-z0-9][A-Za-z0-9_.-]{0,127})$"
NonNegativeAmount = Annotated[DecimalString, Field(ge=0)]


class LocationKind(StrEnum):
    WAREHOUSE = "warehouse"
    STORE = "store"
    THIRD_PARTY = "3pl"
    SUPPLIER = "supplier"


class Capability(StrEnum):
    SHIP = "ship"  # ships parcels to customers
    PICKUP = "pickup"  # customers collect orders here
    SHIP_FROM_STORE = "ship_from_store"  # a store that ships online orders from its shelves


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


WEEKDAYS = list(Weekday)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Coordinates(_Model):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class Cutoff(_Model):
    """Orders released before ``time`` (local to ``timezone``) on a working day ship that day."""

    time: time
    timezone: str = Field(description='IANA time zone, e.g. "America/Chicago".')
    days: list[Weekday] = Field(default_factory=lambda: WEEKDAYS[:5], min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as America/Chicago or Europe/Berlin") from None
        return value

    def next_cutoff(self, after: datetime) -> datetime:
        """The first cutoff at or after ``after`` (an aware datetime), as an aware datetime in the location's zone."""
        zone = ZoneInfo(self.timezone)
        local = after.astimezone(zone)
        for offset in range(8):
            day: date = local.date() + timedelta(days=offset)
            if WEEKDAYS[day.weekday()] not in self.days:
                continue
            candidate = datetime.combine(day, self.time, tzinfo=zone)
            if candidate >= local:
                return candidate
        raise AssertionError("a cutoff with at least one day recurs within a week")


class RegionCost(_Model):
    per_shipment: NonNegativeAmount | None = None
    per_unit: NonNegativeAmount | None = None


class CostProfile(_Model):
    """What shipping from here costs: a base per shipment plus a cost per unit, overridable per region."""

    currency: CurrencyCode
    per_shipment: NonNegativeAmount = Decimal(0)
    per_unit: NonNegativeAmount = Decimal(0)
    regions: dict[Annotated[str, Field(pattern=REGION_PATTERN)], RegionCost] = Field(default_factory=dict)

    def estimate(self, units: int, country: str, region: str | None = None, postal_code: str | None = None) -> Decimal:
        """Cost of one shipment of ``units`` to the destination, using the most specific region that sets
        each figure: postal prefix (longest first), then subdivision, then country, then the defaults."""
        keys = []
        postal = (postal_code or "").replace(" ", "").upper()
        keys += [f"{country}:{postal[:n]}" for n in range(len(postal), 0, -1)]
        if region:
            keys.append(f"{country}-{region}")
        keys.append(country)
        matches = [self.regions[key] for key in keys if key in self.regions]
        per_shipment = next((m.per_shipment for m in matches if m.per_shipment is not None), self.per_shipment)
        per_unit = next((m.per_unit for m in matches if m.per_unit is not None), self.per_unit)
        return per_shipment + per_unit * units


class LocationSpec(_Model):
    id: str = Field(pattern=LOCATION_ID_PATTERN)
    name: str = Field(min_length=1, max_length=255)
    kind: LocationKind
    address: Address | None = None
    coordinates: Coordinates | None = None
    postal_region: str | None = Field(default=None, pattern=REGION_PATTERN, description='e.g. "US:606".')
    capabilities: list[Capability] = Field(default_factory=list)
    cutoff: Cutoff | None = None
    cost: CostProfile | None = None
    priority: int = Field(default=100, ge=0, le=100_000)
    active: bool = True
    partner_id: str | None = Field(default=None, pattern=LOCATION_ID_PATTERN)
    external_id: str | None = Field(default=None, min_length=1, max_length=80)
    fulfilled_by: str | None = Field(default=None, pattern=FULFILLER_PATTERN)

    @field_validator("capabilities")
    @classmethod
    def _distinct(cls, value: list[Capability]) -> list[Capability]:
        return sorted(set(value), key=list(Capability).index)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ships = {Capability.SHIP, Capability.SHIP_FROM_STORE} & set(self.capabilities)
        if ships and not (self.coordinates or self.postal_region or (self.address and self.address.postal_code)):
            raise ValueError(
                "a location that ships needs coordinates, a postal_region or an address with a postal_code "
                "(routing estimates distance from them)"
            )
        if Capability.SHIP_FROM_STORE in self.capabilities and self.kind is not LocationKind.STORE:
            raise ValueError("ship_from_store is a capability of stores only; use ship for other kinds")
        if Capability.PICKUP in self.capabilities:
            if self.kind is LocationKind.SUPPLIER:
                raise ValueError("a supplier location is virtual: customers cannot pick up there")
            if not (self.address and self.address.line1 and self.address.city):
                raise ValueError("a pickup location needs an address with line1 and city (customers go there)")
        return self

    @property
    def country(self) -> str | None:
        if self.address is not None:
            return self.address.country
        return self.postal_region[:2] if self.postal_region else None

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities


def parse_location(data: Any, where: str = "location") -> LocationSpec:
    """Validate a location given as a mapping; the error names every bad field."""
    if not isinstance(data, dict):
        raise InvalidLocation(f"{where} must be a mapping of fields, not {type(data).__name__}")
    try:
        return LocationSpec.model_validate(data)
    except ValidationError as exc:
        name = data.get("id") if isinstance(data.get("id"), str) else None
        label = f"{where} {name!r}" if name else where
        raise InvalidLocation(f"{label} is invalid: {describe_errors(exc)}") from None


def save_location(session: Session, spec: LocationSpec) -> tuple[LocationSpec, bool]:
    """Create the location or replace its definition; returns it and whether it was created."""
    row = session.get(Location, spec.id)
    created = row is None
    if row is None:
        row = Location(id=spec.id, created_at=utcnow())
        session.add(row)
    coordinates = spec.coordinates
    row.name, row.kind, row.active, row.priority = spec.name, str(spec.kind), spec.active, spec.priority
    row.can_ship = spec.can(Capability.SHIP)
    row.can_pickup = spec.can(Capability.PICKUP)
    row.can_ship_from_store = spec.can(Capability.SHIP_FROM_STORE)
    row.country, row.postal_region = spec.country, spec.postal_region
    row.latitude = coordinates.latitude if coordinates else None
    row.longitude = coordinates.longitude if coordinates else None
    row.partner_id, row.external_id = spec.partner_id, spec.external_id
    row.fulfilled_by = spec.fulfilled_by
    row.profile = spec.model_dump(mode="json", exclude_none=True)
    row.updated_at = utcnow()
    session.flush()
    return spec, created


def _spec(row: Location) -> LocationSpec:
    # the column is the truth for who fulfils it (profiles written before it existed do not say)
    return parse_location({**row.profile, "fulfilled_by": row.fulfilled_by}, f"stored location {row.id!r}")


def get_location(session: Session, location_id: str) -> LocationSpec:
    row = session.get(Location, location_id)
    if row is None:
        raise UnknownLocation(location_id)
    return _spec(row)


def list_locations(
    session: Session, *, active: bool | None = None, kind: LocationKind | None = None
) -> list[LocationSpec]:
    """Locations by priority then id; filtered by active flag and kind when given."""
    statement = select(Location).order_by(Location.priority, Location.id)
    if active is not None:
        statement = statement.where(Location.active.is_(active))
    if kind is not None:
        statement = statement.where(Location.kind == str(kind))
    return [_spec(row) for row in session.scalars(statement)]


def location_for_partner(session: Session, partner_id: str, external_id: str | None) -> LocationSpec | None:
    """The location a partner reports stock for under ``external_id`` (the partner's only location when the
    advice names none and the partner has exactly one)."""
    statement = select(Location).where(Location.partner_id == partner_id)
    if external_id is not None:
        statement = statement.where(Location.external_id == external_id)
    rows = session.scalars(statement.limit(2)).all()
    return _spec(rows[0]) if len(rows) == 1 else None


def location_state(session: Session, location_id: str) -> tuple[LocationKind, bool]:
    """The location's kind and whether it is active; UnknownLocation when there is none."""
    row = session.execute(select(Location.kind, Location.active).where(Location.id == location_id)).one_or_none()
    if row is None:
        raise UnknownLocation(location_id)
    return LocationKind(row.kind), bool(row.active)
