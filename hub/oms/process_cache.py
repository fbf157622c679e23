"""What routing rereads for every order, kept per process: the rule set and the locations.

Both change rarely and are the same for every order, so reading them per order was most of a routing's
fixed cost (a YAML parse on every task, one query and a pydantic validation per location). Each cache checks
cheaply that what it holds is still current before it is used, so a change is seen by the next routing,
never a stale one:

* rules: a version stored in the database wins (its number is read on every call, its document parsed
  once per version: ``hub.oms.rule_versions``); else the file (or every file of the directory) is stat-ed;
  a different size or modification time, or a file added or removed, loads the rules again;
* locations: one small query reads ``(id, updated_at)`` of every location (``save_location`` sets
  ``updated_at`` on every change, and it is the only writer); when that list differs from the one the cache
  was built from, the locations are read and converted again. The list is compared per database, since a
  process can talk to several (tests do).

Routing locations are cached without stock: stock is read fresh for every batch and merged in.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db.models import Location as LocationRow
from hub.db.session import Database
from hub.inventory import LocationSpec, list_locations
from hub.oms.rule_versions import stored_rules
from hub.oms.store_snapshot import routing_location
from hub.routing import RuleSet, default_rules, load_rules
from hub.routing.snapshot import Location

_lock = threading.Lock()


def _signature(path: Path) -> tuple[Any, ...]:
    files = sorted(item for item in path.rglob("*") if item.is_file()) if path.is_dir() else [path]
    return tuple((str(item), item.stat().st_mtime_ns, item.stat().st_size) for item in files if item.exists())


_rules: dict[Path, tuple[tuple[Any, ...], RuleSet]] = {}


def current_rules(path: Path | None, database: Database | None = None) -> RuleSet:
    """The newest version stored in ``database`` when there is one (``hub.oms.rule_versions``, checked on
    every call); else the rule set at ``path`` (the shipped default when None), loaded again only when the
    files changed."""
    stored = stored_rules(database) if database is not None else None
    if stored is not None:
        return stored
    if path is None:
        return default_rules()
    signature = _signature(path)
    with _lock:
        held = _rules.get(path)
        if held is not None and held[0] == signature:
            return held[1]
    rules = load_rules(path)  # a bad file raises here, every time, until it is fixed
    with _lock:
        _rules[path] = (signature, rules)
    return rules


@dataclass(frozen=True)
class CachedLocations:
    version: tuple[tuple[str, Any], ...]
    specs: dict[str, LocationSpec]  # active locations, by priority then id
    routing: tuple[Location, ...]  # the same, as the routing engine reads them, without stock


_locations: dict[str, CachedLocations] = {}


def current_locations(session: Session) -> CachedLocations:
    """The active locations, checked against the database with one small query (see the module docstring)."""
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    version = tuple(
        (row.id, row.updated_at)
        for row in session.execute(select(LocationRow.id, LocationRow.updated_at).order_by(LocationRow.id))
    )
    with _lock:
        held = _locations.get(key)
    if held is not None and held.version == version:
        return held
    specs = {spec.id: spec for spec in list_locations(session, active=True)}
    fresh = CachedLocations(version, specs, tuple(routing_location(spec, {}) for spec in specs.values()))
    with _lock:
        _locations[key] = fresh
    return fresh


def forget() -> None:
    """Empty both caches (tests that rebuild databases under the same name)."""
    with _lock:
        _rules.clear()
        _locations.clear()
