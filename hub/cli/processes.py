"""The long-running commands: ``serve``, ``worker``, ``beat``, and ``run`` which starts all three."""

from __future__ import annotations

import click

from hub.cli.context import Context
from hub.db import migrate
from hub.health import check_broker
from hub.runtime import Runtime
from hub.worker.app import create_celery
from hub.worker.queues import parse_queue_list


def preflight(ctx: Context) -> Runtime:
    """Fail fast, with one line, when the database or the broker does not answer."""
    runtime = Runtime(ctx.settings)
    runtime.database.ping()
    check_broker(create_celery(ctx.settings, runtime))
    return runtime


@click.command("serve")
@click.option("--host", help="Address to bind (default HUB_WEB__HOST, 127.0.0.1).")
@click.option("--port", type=int, help="Port to bind (default HUB_WEB__PORT, 8000).")
@click.option("--workers", type=int, help="gunicorn worker processes (default HUB_WEB__WORKERS, 2).")
@click.option("--threads", type=click.IntRange(1, 64), help="Threads per worker process (default HUB_WEB__THREADS, 4).")
@click.pass_obj
def serve(ctx: Context, host: str | None, port: int | None, workers: int | None, threads: int | None) -> None:
    """Run the web receiver and API under gunicorn."""
    from hub.web.server import serve as run_server

    preflight(ctx)
    web = ctx.settings.web
    run_server(ctx.settings, host or web.host, port or web.port, workers or web.workers, threads or web.threads)


@click.command("worker")
@click.option("--queues", "-Q", help="Comma-separated queues to consume (default: all).")
@click.option("--concurrency", "-c", type=int, help="Worker processes (default HUB_WORKER__CONCURRENCY, 2).")
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@click.pass_obj
def worker(ctx: Context, queues: str | None, concurrency: int | None, loglevel: str) -> None:
    """Run a Celery worker on the given queues."""
    try:
        names = parse_queue_list(queues)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--queues") from None
    runtime = preflight(ctx)
    celery = create_celery(ctx.settings, runtime)
    celery.worker_main(
        [
            "worker",
            f"--queues={','.join(names)}",
            f"--concurrency={concurrency or ctx.settings.worker.concurrency}",
            f"--loglevel={loglevel}",
            "--pool=prefork",
            "--without-mingle",
            "--without-gossip",
        ]
    )


@click.command("beat")
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@click.pass_obj
def beat(ctx: Context, loglevel: str) -> None:
    """Run the scheduler that enqueues periodic tasks (heartbeats, reconciliation, cleanup)."""
    runtime = preflight(ctx)
    create_celery(ctx.settings, runtime).start(["beat", f"--loglevel={loglevel}"])


@click.command("run")
@click.option("--host", help="Address for the web receiver (default HUB_WEB__HOST, 127.0.0.1).")
@click.option("--port", type=int, help="Port for the web receiver (default HUB_WEB__PORT, 8000).")
@click.pass_obj
def run(ctx: Context, host: str | None, port: int | None) -> None:
    """Upgrade the database, then run web receiver, worker and scheduler together until interrupted."""
    from hub.supervisor import Supervisor

    runtime = preflight(ctx)
    migrate.upgrade(runtime.database)
    web = ctx.settings.web
    serve_args = ["serve", "--host", host or web.host, "--port", str(port or web.port)]
    click.echo(f"orderhub: web on http://{serve_args[2]}:{serve_args[4]}, data in {ctx.settings.data_dir}")
    raise SystemExit(Supervisor([serve_args, ["worker"], ["beat"]]).run())


COMMANDS = (serve, worker, beat, run)
