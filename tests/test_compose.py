"""docker-compose.yml cannot run here (no Docker engine); it must at least parse and call the real CLI."""

from __future__ import annotations

from pathlib import Path

import click
import yaml

from hub.cli import cli
from hub.worker.queues import QUEUES

COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"


def _services() -> dict[str, dict]:  # type: ignore[type-arg]
    return yaml.safe_load(COMPOSE.read_text())["services"]


def _resolve(args: list[str]) -> click.Context:
    """Parse ``orderhub ARGS`` down to the leaf command without running it; raise on any usage error."""
    command: click.Command = cli
    rest = list(args)
    while isinstance(command, click.Group):
        name, *rest = rest
        sub = command.get_command(click.Context(command), name)
        if sub is None:
            raise click.UsageError(f"no such command {name!r}")
        command = sub
    return command.make_context(command.name, rest)


def test_compose_has_the_production_services() -> None:
    services = _services()
    assert {"postgres", "rabbitmq", "web", "beat", "flower", "migrate"} <= set(services)
    assert "management" in services["rabbitmq"]["image"]
    workers = [
        name for name, spec in services.items() if spec.get("command", [None, None])[:2] == ["orderhub", "worker"]
    ]
    assert len(workers) >= 2, "one worker service per queue group"


def test_every_hub_command_is_a_valid_cli_invocation() -> None:
    consumed: set[str] = set()
    commands = {
        name: spec["command"] for name, spec in _services().items() if spec.get("command", [""])[0] == "orderhub"
    }
    assert {"web", "beat", "migrate"} <= set(commands)
    for name, command in commands.items():
        ctx = _resolve(command[1:])
        if ctx.command.name == "worker":
            queues = ctx.params["queues"].split(",")
            assert set(queues) <= set(QUEUES), f"{name}: unknown queue in {queues}"
            consumed.update(queues)
    assert consumed == set(QUEUES), f"queues no worker consumes: {set(QUEUES) - consumed}"


def test_hub_services_point_at_postgres_and_rabbitmq() -> None:
    web = _services()["web"]["environment"]
    assert web["HUB_DATABASE_URL"].startswith("postgresql://") and "@postgres:" in web["HUB_DATABASE_URL"]
    assert web["HUB_BROKER_URL"].startswith("amqp://") and "@rabbitmq:" in web["HUB_BROKER_URL"]


def test_a_misspelt_command_would_be_caught() -> None:
    import pytest

    with pytest.raises(click.UsageError):
        _resolve(["worker", "--queue", "ingest"])
    with pytest.raises(click.UsageError):
        _resolve(["serv"])
