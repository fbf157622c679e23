"""``GET /api/v1/reports/<name>``: a report of ``hub.reports`` as JSON rows, with the filters the console and
``orderhub report`` take; the same query, so the same numbers as the page and its CSV."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from hub.api.problems import Problem, bad_field
from hub.api.registry import Call, QueryModel, operation
from hub.db.models.base import utcnow
from hub.errors import InputRejected
from hub.reports import REPORTS, make_filters

TEXT = r"^[^\x00]*$"


class ReportQuery(QueryModel):
    start: date | None = Field(default=None, alias="from", description="First day of orders placed (UTC), included.")
    end: date | None = Field(default=None, alias="to", description="Last day of orders placed (UTC), included.")
    channel: str | None = Field(default=None, min_length=1, max_length=128, pattern=TEXT)
    location: str | None = Field(
        default=None, min_length=1, max_length=128, pattern=TEXT,
        description="ship-time, fill-rate and supplier-performance only.",
    )  # fmt: skip


class ReportTable(BaseModel):
    report: str
    title: str
    generated_at: datetime
    columns: list[str] = Field(description="The row keys, in order (the CSV header).")
    rows: list[dict[str, str | int | float | None]] = Field(description="Money as decimal text; rates as fractions.")


@operation("GET", "/reports/<name>", scope="read", tag="reports", query=ReportQuery, response=ReportTable,
           summary=f"A report: {', '.join(REPORTS)}")  # fmt: skip
def report(call: Call, name: str) -> ReportTable:
    chosen = REPORTS.get(name)
    if chosen is None:
        raise Problem(404, f"no report named {name[:60]!r}; the reports are: {', '.join(REPORTS)}")
    q: ReportQuery = call.query
    if q.location is not None and not chosen.uses_location:
        raise bad_field(400, "query", "location", f"{chosen.name} has no location")
    try:
        filters = make_filters(q.start, q.end, q.channel, q.location)
    except InputRejected as bad:
        raise bad_field(400, "query", "from", str(bad)) from None
    result = chosen.run(call.session, filters, utcnow())
    return ReportTable(report=chosen.name, title=chosen.title, generated_at=result.generated_at,
                       columns=result.columns, rows=result.records())  # fmt: skip
