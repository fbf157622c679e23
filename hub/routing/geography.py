"""How far a location is from where the order goes: great-circle distance when both ends have coordinates,
and a coarser closeness by postal code, region and country when one of them has none.

Canonical addresses carry no coordinates, so the ship-to address is placed through the snapshot's
``postal_points`` (centroids of postal areas, longest matching prefix wins); so is a location that has a
postal region or postal code but no coordinates of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hub.canonical import Address
from hub.routing.snapshot import Coordinates, Location, Snapshot

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)


def haversine_km(a: Coordinates, b: Coordinates) -> float:
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _postal(code: str | None) -> str:
    return "".join(code.split()).upper() if code else ""


def _point(snapshot: Snapshot, country: str, postal: str) -> tuple[Coordinates, str] | None:
    """The centroid of the longest postal prefix of ``postal`` the snapshot knows, else of the country."""
    for length in range(len(postal), 0, -1):
        key = f"{country}:{postal[:length]}"
        if key in snapshot.postal_points:
            return snapshot.postal_points[key], key
    if country in snapshot.postal_points:
        return snapshot.postal_points[country], country
    return None


@dataclass(frozen=True)
class Whereabouts:
    """Where something is, as far as routing can tell; every field may be unknown."""

    country: str | None = None
    region: str | None = None
    postal_code: str = ""
    point: Coordinates | None = None
    placed_by: str | None = None  # the postal point key that gave ``point``, when it was not given directly

    @classmethod
    def of_address(cls, address: Address | None, snapshot: Snapshot) -> Whereabouts:
        if address is None:
            return cls()
        postal = _postal(address.postal_code)
        region = address.region.upper() if address.region else None
        found = _point(snapshot, address.country, postal)
        return cls(address.country, region, postal, *(found or (None, None)))

    @classmethod
    def of_location(cls, location: Location, snapshot: Snapshot) -> Whereabouts:
        """A location's own coordinates, else the postal point of its postal region or postal code."""
        country, region, postal = None, None, ""
        if location.address is not None:
            country = location.address.country
            region = location.address.region.upper() if location.address.region else None
            postal = _postal(location.address.postal_code)
        if location.postal_region:
            country = country or location.postal_region[:2]
            rest = location.postal_region[3:]
            if location.postal_region[2:3] == ":":
                postal = postal or rest
            elif rest:
                region = region or rest
        if location.coordinates is not None:
            return cls(country, region, postal, location.coordinates)
        found = _point(snapshot, country, postal) if country else None
        return cls(country, region, postal, *(found or (None, None)))

    def describe(self) -> str:
        parts = [part for part in (self.postal_code, self.region, self.country) if part]
        where = " ".join(parts) if parts else "not known (no ship-to address)"
        return f"{where} (placed by postal point {self.placed_by})" if self.placed_by else where


@dataclass(frozen=True)
class Closeness:
    """How close a location is to the destination: ``km`` when both have coordinates, else a tier
    (0 same postal area, 1 same region, 2 same country, 3 elsewhere or unknown) with the postal
    prefix length shared, for ordering within the tier."""

    km: float | None
    tier: int
    shared_postal: int
    shown: str

    def key(self, bucket_km: float = 0.0) -> tuple[int, float, int, int]:
        if self.km is not None:
            rounded = math.floor(self.km / bucket_km) if bucket_km > 0 else self.km
            return (0, rounded, 0, 0)
        return (1, 0.0, self.tier, -self.shared_postal)


def _common_prefix(a: str, b: str) -> int:
    count = 0
    for left, right in zip(a, b, strict=False):
        if left != right:
            break
        count += 1
    return count


def closeness(location: Whereabouts, destination: Whereabouts) -> Closeness:
    if location.point is not None and destination.point is not None:
        km = haversine_km(location.point, destination.point)
        return Closeness(km, 0, 0, f"{km:.1f} km")
    if location.country is None or destination.country is None:
        return Closeness(None, 3, 0, "distance unknown: no coordinates, and no address or postal region to compare")
    if location.country != destination.country:
        return Closeness(None, 3, 0, f"no coordinates; other country ({location.country})")
    shared = _common_prefix(location.postal_code, destination.postal_code)
    if shared >= 3:
        return Closeness(None, 0, shared, f"no coordinates; same postal area ({destination.postal_code[:shared]})")
    if location.region and location.region == destination.region:
        return Closeness(None, 1, shared, f"no coordinates; same region ({location.region})")
    return Closeness(None, 2, shared, f"no coordinates; same country ({location.country})")
