"""A report as data: its rows (a frozen dataclass per report), the columns they make, the chart to draw, and
the CSV text. The console, the CSV download, the CLI and the API all render the same ``ReportResult``."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, get_type_hints

from sqlalchemy.orm import Session

from hub.reports.filters import ReportFilters

Cell = str | int | float | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Query = Callable[[Session, ReportFilters, datetime], Sequence[Any]]


@dataclass(frozen=True)
class Chart:
    """Horizontal bars: one per row, labelled by ``label`` columns, as long as ``value``."""

    label: tuple[str, ...]
    value: str
    title: str


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    summary: str  # one sentence: what the figures are
    row_type: type[Any]  # a frozen dataclass; its fields are the columns, in order
    query: Query
    uses_location: bool = False
    chart: Chart | None = None

    @property
    def columns(self) -> list[str]:
        return [field.name for field in fields(self.row_type)]

    @property
    def numeric(self) -> list[bool]:
        """Per column: does it hold numbers (money included), to align them right."""
        hints = get_type_hints(self.row_type)
        return [any(kind in str(hints[name]) for kind in ("int", "float", "Decimal")) for name in self.columns]

    def run(self, session: Session, filters: ReportFilters, now: datetime) -> ReportResult:
        rows = self.query(session, filters, now)
        return ReportResult(self, filters, now, [tuple(cell(getattr(row, c)) for c in self.columns) for row in rows])


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as the table shows it
    share: float  # of the longest bar, 0..1


@dataclass(frozen=True)
class ReportResult:
    report: Report
    filters: ReportFilters
    generated_at: datetime
    rows: list[tuple[Cell, ...]]

    @property
    def columns(self) -> list[str]:
        return self.report.columns

    def records(self) -> list[dict[str, Cell]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def bars(self) -> list[Bar]:
        chart = self.report.chart
        if chart is None:
            return []
        found = [(" · ".join(str(r[c]) for c in chart.label), r[chart.value]) for r in self.records()]
        values = [(label, float(v), str(v)) for label, v in found if v is not None]  # no bar for "not measured"
        peak = max((v for _, v, _ in values), default=0.0)
        return [Bar(label, v, text, v / peak if peak > 0 else 0.0) for label, v, text in values]

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.columns)
        numeric = self.report.numeric
        for row in self.rows:
            writer.writerow([csv_cell(value, number) for value, number in zip(row, numeric, strict=True)])
        return out.getvalue()


def csv_cell(value: Cell, number: bool) -> Cell:
    """Text that a spreadsheet would run as a formula (a SKU or a return reason comes from outside) is written
    with a leading apostrophe, so opening the file shows it instead of running it."""
    if value is None:
        return ""
    if not number and isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell(value: Any) -> Cell:
    """A value as the table shows it: numbers as numbers, anything else (money, a ``Decimal``, included) as its
    text, which keeps money exact."""
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)
