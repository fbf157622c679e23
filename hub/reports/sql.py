"""SQL the reports share, written once for SQLite and PostgreSQL.

Two expressions differ by dialect and are compiled per backend: the seconds between two timestamps and the
UTC calendar day of a timestamp. Percentiles use the nearest-rank method with window functions (both
databases have them), so only one row per group comes back, never every measurement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Float, Integer, Select, String, case, false, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from hub.db.models import OrderRecord
from hub.reports.filters import ReportFilters

PERCENTS = (50, 90, 99)


def _written_as(function: type[FunctionElement[Any]], postgresql: str, sqlite: str) -> None:
    """Compile ``function(a, b, ...)`` from a template per dialect, whose ``{0}``, ``{1}`` ... are its arguments
    (PostgreSQL's is the default: the SQL standard's forms)."""

    def template(text: str) -> Callable[..., str]:
        def compile_(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
            return text.format(*(compiler.process(argument, **kw) for argument in element.clauses))

        return compile_

    compiles(function)(template(postgresql))
    compiles(function, "sqlite")(template(sqlite))


class seconds_between(FunctionElement[float]):  # noqa: N801 - reads as the SQL function it stands for
    """``seconds_between(later, earlier)``: ``later - earlier`` in seconds, as a float."""

    type = Float()
    inherit_cache = True


class utc_day(FunctionElement[str]):  # noqa: N801
    """The UTC calendar day of a timestamp as ``YYYY-MM-DD`` text (comparable with ISO day strings)."""

    type = String()
    inherit_cache = True


class days_between(FunctionElement[int]):  # noqa: N801
    """``days_between(later, earlier)``: whole days from one ``YYYY-MM-DD`` text to another."""

    type = Integer()
    inherit_cache = True


_written_as(seconds_between, "EXTRACT(EPOCH FROM ({0} - {1}))", "((julianday({0}) - julianday({1})) * 86400.0)")
# SQLite stores a timestamp as UTC text "YYYY-MM-DD HH:MM:SS.ffffff", so date() is its UTC day.
_written_as(utc_day, "to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD')", "date({0})")
_written_as(days_between, "(CAST({0} AS DATE) - CAST({1} AS DATE))",
            "CAST(julianday({0}) - julianday({1}) AS INTEGER)")  # fmt: skip


def order_scope(filters: ReportFilters) -> list[Any]:
    """Conditions on ``orders`` every report applies: placed in the day range, on the channel, not a test."""
    found: list[Any] = [OrderRecord.test == false()]
    if filters.placed_from is not None:
        found.append(OrderRecord.placed_at >= filters.placed_from)
    if filters.placed_before is not None:
        found.append(OrderRecord.placed_at < filters.placed_before)
    if filters.channel is not None:
        found.append(OrderRecord.channel == filters.channel)
    return found


def percentiles(measured: Any, keys: Sequence[str], percents: Sequence[int] = PERCENTS) -> Select[Any]:
    """Per group of ``keys``: the count and the nearest-rank percentiles of ``measured.c.seconds``.

    ``measured`` is a subquery with the key columns and ``seconds``. The p-th percentile is the value at
    rank ceil(p * n / 100) in ascending order, written as integer division so both databases agree.
    """
    group = [measured.c[key] for key in keys]
    ranked = select(
        *group,
        measured.c.seconds,
        func.row_number().over(partition_by=group, order_by=measured.c.seconds).label("rank"),
        func.count().over(partition_by=group).label("n"),
    ).subquery("ranked")
    ranked_keys = [ranked.c[key] for key in keys]
    chosen = [
        func.max(case((ranked.c["rank"] == (ranked.c.n * p + 99) // 100, ranked.c.seconds))).label(f"p{p}")
        for p in percents
    ]
    return select(*ranked_keys, func.max(ranked.c.n).label("n"), *chosen).group_by(*ranked_keys)


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def rate(part: int, whole: int) -> float | None:
    """A share as a fraction rounded to four places; None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None
