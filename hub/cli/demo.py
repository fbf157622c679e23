"""``orderhub demo``: load a small, living operation into an empty hub (see ``hub.demo``)."""

from __future__ import annotations

import time

import click

from hub.cli.context import Context
from hub.demo import DemoOptions, Loaded, load_demo
from hub.errors import InputRejected


@click.command("demo")
@click.option("--orders", default=240, show_default=True, help="Orders to place over the last seven days.")
@click.option("--seed", default=7, show_default=True, help="The same seed loads the same week.")
@click.option("--reset", is_flag=True, help="Delete an earlier demo's data (never real data) and load it again.")
@click.pass_obj
def command(ctx: Context, orders: int, seed: int, reset: bool) -> None:
    """Load two shops, three warehouses, a drop-ship supplier and a week of orders into an empty database.

    Refuses a database that holds any order that is not the demo's.
    """
    if not 1 <= orders <= 100_000:
        raise InputRejected(f"--orders {orders}: give a number from 1 to 100000")
    from hub.runtime import Runtime

    settings = ctx.settings
    started = time.monotonic()
    loaded = load_demo(
        Runtime(settings).database, settings.data_dir, DemoOptions(orders, seed, reset, settings.worker.routing_rules)
    )
    for line in summary(loaded, f"http://{settings.web.host}:{settings.web.port}", time.monotonic() - started):
        click.echo(line)


def summary(loaded: Loaded, base_url: str, seconds: float) -> list[str]:
    counts = loaded.counts
    statuses = ", ".join(f"{status} {n}" for status, n in loaded.orders_by_status.items())
    folders = loaded.folders
    lines = [f"demo loaded in {seconds:.1f} s:"]
    lines += [f"  {name}: {value}" for name, value in counts.items()]
    lines.append(f"  orders by status: {statuses}")
    if folders is not None:
        lines.append(f"  files: {folders.root} (webhook secrets, the 3PL's CSV folders, the supplier's mailbox)")
    lines += [
        "look at:",
        "  orderhub order list",
        "  orderhub order list --status shipped",
        "  orderhub deliveries list --status cancelled   (channel updates no connector account takes, and why)",
        "  orderhub inbox list --status failed",
        "  orderhub fulfillment list",
        "then start the hub (scripts/run) and open:",
        f"  console {base_url}/console/   (a login first: orderhub user add you@example.com --role admin)",
        f"  API {base_url}/api/v1/orders   (a token first: orderhub token create demo --scope read)",
    ]
    return lines
