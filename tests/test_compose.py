"""docker-compose.yml cannot run here (no Docker engine); it must at least parse and call the real CLI."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
import yaml

from hub.cli import cli
from hub.settings import load_settings
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
    with pytest.raises(click.UsageError):
        _resolve(["worker", "--queue", "ingest"])
    with pytest.raises(click.UsageError):
        _resolve(["serv"])


def _nginx() -> dict[str, list[str]]:
    """The proxy's nginx directives, each name with every value it is given ("$$" is Compose's "$")."""
    content = yaml.safe_load(COMPOSE.read_text())["configs"]["nginx"]["content"].replace("$$", "$")
    directives: dict[str, list[str]] = {}
    for line in content.splitlines():
        line = line.split("#", 1)[0].strip()
        if line.endswith(";"):
            name, _, value = line[:-1].partition(" ")
            directives.setdefault(name, []).append(value.strip())
    return directives


def _nginx_number(value: str, units: dict[str, int]) -> int:
    number, unit = re.fullmatch(r"(\d+)([a-z]?)", value.lower()).groups()  # type: ignore[union-attr]
    return int(number) * units[unit]


def test_only_the_proxy_publishes_the_web_port() -> None:
    services = _services()
    hub_services = [name for name, spec in services.items() if spec.get("image") == "orderhub:latest"]
    assert "web" in hub_services
    assert all(not services[name].get("ports") for name in hub_services), "gunicorn must sit behind the proxy"
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:") and proxy["ports"] == ["8000:80"]
    assert proxy["configs"] == [{"source": "nginx", "target": "/etc/nginx/conf.d/default.conf"}]


def test_the_proxy_reads_requests_whole_within_the_hubs_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    web = _services()["web"]
    for name, value in web["environment"].items():
        monkeypatch.setenv(name, str(value))
    settings = load_settings().web
    nginx = _nginx()
    port = _resolve(web["command"][1:]).params["port"]
    assert nginx["server"] == [f"web:{port}"] and nginx["proxy_pass"] == ["http://orderhub_web"]
    assert nginx["proxy_request_buffering"] == ["on"]
    [body_size] = nginx["client_max_body_size"]
    assert _nginx_number(body_size, {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}) == settings.max_body_bytes
    assert (
        _nginx_number(nginx["client_body_buffer_size"][0], {"": 1, "k": 1024, "m": 1024**2}) >= settings.max_body_bytes
    )
    for timeout in ("client_header_timeout", "client_body_timeout"):
        [value] = nginx[timeout]
        assert _nginx_number(value, {"": 1, "s": 1, "m": 60}) <= settings.request_timeout_seconds, timeout
    # Walmart's WM_SEC.* signature headers: nginx drops names with underscores or dots unless told not to
    assert nginx["underscores_in_headers"] == ["on"] and nginx["ignore_invalid_headers"] == ["off"]
    assert str(settings.max_body_bytes) in nginx["return"][0]  # its own 413 says the same as the hub's
