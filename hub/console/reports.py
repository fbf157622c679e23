"""The reports under ``/console/reports``: an index, one page per report (filters, a bar chart drawn as inline
SVG on the server, the table) and its CSV download. Both run ``hub.reports`` once per request, so the page,
the CSV, the CLI and the API show the same numbers."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, render_template, request
from sqlalchemy import select

from hub.console.access import blueprint, needs
from hub.db.models import ChannelAccount, Location
from hub.db.models.base import utcnow
from hub.errors import InputRejected
from hub.reports import REPORTS, Report, ReportFilters, ReportResult, parse_filters
from hub.web.extension import hub_extension

FILTER_NAMES = ("from", "to", "channel", "location")


def _report(name: str) -> Report:
    report = REPORTS.get(name)
    if report is None:
        abort(404, f"no report named {name[:60]!r}")
    return report


def _given() -> dict[str, str]:
    return {name: request.args.get(name, "").strip() for name in FILTER_NAMES}


def _run(report: Report, filters: ReportFilters) -> tuple[ReportResult, dict[str, list[str]]]:
    """The report, and the channels and locations there are (offered as the filter fields' suggestions)."""
    with hub_extension().runtime.database.session() as db:
        choices = {
            "channels": list(db.scalars(select(ChannelAccount.channel).distinct().order_by(ChannelAccount.channel))),
            "locations": list(db.scalars(select(Location.id).order_by(Location.id))),
        }
        return report.run(db, filters, utcnow()), choices


@blueprint.get("/reports")
@needs("viewer")
def reports() -> Any:
    return render_template("reports.html", reports=list(REPORTS.values()))


@blueprint.get("/reports/<name>")
@needs("viewer")
def report(name: str) -> Any:
    chosen, given = _report(name), _given()
    try:
        filters = parse_filters(given)
    except InputRejected as bad:  # the page stays usable: the form shows what was typed and why it was refused
        page = render_template("report.html", report=chosen, given=given, result=None, error=str(bad))
        return page, 400
    result, choices = _run(chosen, filters)
    return render_template("report.html", report=chosen, given=given, result=result, error=None,
                           csv_query=filters.as_query(), **choices)  # fmt: skip


@blueprint.get("/reports/<name>.csv")
@needs("viewer")
def report_csv(name: str) -> Any:
    chosen = _report(name)
    try:
        filters = parse_filters(_given())
    except InputRejected as bad:
        abort(400, str(bad))
    result, _ = _run(chosen, filters)
    filename = f"{chosen.name}-{result.generated_at:%Y%m%d-%H%M}.csv"
    return Response(
        result.csv(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
