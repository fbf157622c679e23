"""The registry of named pipeline steps a rule file may use, and what a step returns.

A **filter** gets the candidates still in the running and returns those it keeps and, for each one it
drops, the reason. A **sort** gives each candidate a key (lower ranks first) and the figure the trace
shows for it; a pipeline's sorts rank lexicographically in the order they are written.

Register with ``@location_filter("name")`` (a test per location), ``@routing_filter("name")`` (a filter
that looks at the candidates together) or ``@routing_sort("name")`` in ``filters.py`` / ``sorts.py``.
The parameters each step takes, and their defaults, are declared once, in ``schemas/routing.schema.json``;
a test keeps the registry and the schema in step. A rule file can only name a registered step: nothing is
imported by path or evaluated from text.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from hub.routing.context import RoutingContext
from hub.routing.snapshot import Location

Params = Mapping[str, Any]
StepKind = Literal["filter", "sort"]


@dataclass(frozen=True)
class Dropped:
    location: Location
    reason: str


@dataclass(frozen=True)
class FilterResult:
    kept: list[Location]
    dropped: list[Dropped]
    note: str | None = None  # said once for the whole step, e.g. why it kept everything


@dataclass(frozen=True)
class SortKey:
    value: Any  # compared with the other candidates' values: lower ranks first
    shown: str | int | float | None  # what the trace shows; JSON-serialisable


FilterFunction = Callable[[list[Location], RoutingContext, Params], FilterResult]
LocationTest = Callable[[Location, RoutingContext, Params], str | None]
SortFunction = Callable[[Location, RoutingContext, Params], SortKey]

FILTERS: dict[str, FilterFunction] = {}
SORTS: dict[str, SortFunction] = {}
_MODULES = ("hub.routing.filters", "hub.routing.sorts")


def _register(table: dict[str, Any], kind: str, name: str, function: Any) -> None:
    if name in table:
        raise RuntimeError(f"routing {kind} {name!r} is registered twice")
    table[name] = function


def routing_filter(name: str) -> Callable[[FilterFunction], FilterFunction]:
    def register(function: FilterFunction) -> FilterFunction:
        _register(FILTERS, "filter", name, function)
        return function

    return register


def location_filter(name: str) -> Callable[[LocationTest], LocationTest]:
    """Register a filter that judges each location on its own: the test returns why it drops a location,
    or None to keep it."""

    def register(test: LocationTest) -> LocationTest:
        def run(candidates: list[Location], context: RoutingContext, params: Params) -> FilterResult:
            kept: list[Location] = []
            dropped: list[Dropped] = []
            for location in candidates:
                reason = test(location, context, params)
                if reason is None:
                    kept.append(location)
                else:
                    dropped.append(Dropped(location, reason))
            return FilterResult(kept, dropped)

        _register(FILTERS, "filter", name, run)
        return test

    return register


def routing_sort(name: str) -> Callable[[SortFunction], SortFunction]:
    def register(function: SortFunction) -> SortFunction:
        _register(SORTS, "sort", name, function)
        return function

    return register


def _shown(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value).lower() if isinstance(value, bool) else str(value)


_imported: list[str] = []


def registered(kind: StepKind) -> dict[str, Any]:
    """Every registered step of ``kind`` by name (the step modules are imported on first use; called for
    every step of every decision, so only once per process)."""
    if not _imported:
        for module in _MODULES:
            importlib.import_module(module)
        _imported.extend(_MODULES)
    return FILTERS if kind == "filter" else SORTS


@dataclass(frozen=True)
class Step:
    """One step of a rule's pipeline: a registered strategy and its parameters (defaults filled in)."""

    kind: StepKind
    name: str
    params: Mapping[str, Any]
    given: tuple[str, ...] = ()  # the parameters the rule file wrote, for the trace

    @cached_property  # in the trace of every decision, several times
    def label(self) -> str:
        shown = ", ".join(f"{key}={_shown(self.params[key])}" for key in self.given)
        return f"{self.kind} {self.name}" + (f"({shown})" if shown else "")

    def filter(self, candidates: list[Location], context: RoutingContext) -> FilterResult:
        function: FilterFunction = registered("filter")[self.name]
        return function(candidates, context, self.params)

    def sort_key(self, location: Location, context: RoutingContext) -> SortKey:
        function: SortFunction = registered("sort")[self.name]
        return function(location, context, self.params)
