"""``orderhub report NAME``: one of the reports of ``hub.reports``, as an aligned table or as CSV::

    orderhub report                                   # the reports there are
    orderhub report top-products --from 2026-11-01 --to 2026-11-30 --channel shopify
    orderhub report ship-time --location east --csv > ship-time.csv

The same query and the same numbers as the console's report pages and their CSV download.
"""

from __future__ import annotations

import click

from hub.cli.context import Context
from hub.errors import InputRejected
from hub.reports import REPORTS, ReportResult, find_report, parse_filters, run_report


@click.command("report")
@click.argument("name", required=False)
@click.option("--from", "start", metavar="DAY", help="First day of orders placed (YYYY-MM-DD, UTC), included.")
@click.option("--to", "end", metavar="DAY", help="Last day of orders placed (YYYY-MM-DD, UTC), included.")
@click.option("--channel", help="Only orders from this channel.")
@click.option("--location", help="Only this location (ship-time, fill-rate, supplier-performance).")
@click.option("--csv", "as_csv", is_flag=True, help="Write CSV (a header, then a row per line of the report).")
@click.pass_obj
def command(
    ctx: Context, name: str | None, start: str | None, end: str | None, channel: str | None, location: str | None,
    as_csv: bool,
) -> None:  # fmt: skip
    """Print a report: top products, ship time, fill rate, backorders, returns, late shipments, suppliers."""
    if name is None:
        for report in REPORTS.values():
            click.echo(f"{report.name:<22} {report.summary}")
        return
    report = find_report(name)  # checked before the database is opened: a typo answers at once
    filters = parse_filters({"from": start, "to": end, "channel": channel, "location": location}, prefix="--")
    if location and not report.uses_location:
        raise InputRejected(f"{report.name} has no location: --location applies to ship-time, fill-rate and "
                            "supplier-performance")  # fmt: skip
    from hub.runtime import Runtime

    with Runtime(ctx.settings).database.session() as session:
        result = run_report(session, report.name, filters)
    click.echo(result.csv() if as_csv else "\n".join(table(result)), nl=not as_csv)


def table(result: ReportResult) -> list[str]:
    """Columns padded to their widest cell; numbers aligned right."""
    cells = [result.columns] + [["" if v is None else str(v) for v in row] for row in result.rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(result.columns))]
    numeric = result.report.numeric
    lines = [
        "  ".join(
            value.rjust(w) if right else value.ljust(w) for value, w, right in zip(row, widths, numeric, strict=True)
        )
        for row in cells
    ]
    return [line.rstrip() for line in lines] if result.rows else [lines[0], "(nothing in this range)"]
