"""Real PostgreSQL and RabbitMQ for the suite, through the project's own ``scripts/services``.

If ``HUB_TEST_POSTGRES_URL`` and ``HUB_TEST_RABBITMQ_URL`` are set (``scripts/test`` sets them), those are
used. Otherwise the services are started here and stopped at the end of the session. A service that cannot
be started fails the tests that need it; nothing is skipped.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "services"
STATE = REPO / "var" / "services"
KEYS = ("HUB_TEST_POSTGRES_URL", "HUB_TEST_RABBITMQ_URL")


class ServiceError(RuntimeError):
    pass


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            values[key.strip()] = value.strip().strip("'\"")
    return values


def _script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), *args, str(STATE)], capture_output=True, text=True, timeout=300)


class Services:
    """Start on first use; stop at the end only what this session started."""

    def __init__(self) -> None:
        self.urls: dict[str, str] = {}
        self.started = False

    def get(self) -> dict[str, str]:
        if self.urls:
            return self.urls
        if all(os.environ.get(key) for key in KEYS):
            self.urls = {key: os.environ[key] for key in KEYS}
            return self.urls
        already_up = _script("status").returncode == 0
        if not already_up:
            result = _script("start")
            if result.returncode != 0:
                raise ServiceError(f"could not start PostgreSQL/RabbitMQ: {result.stdout}{result.stderr}".strip())
            self.started = True
        env = read_env_file(STATE / "services.env")
        missing = [key for key in KEYS if not env.get(key)]
        if missing:
            raise ServiceError(f"{STATE / 'services.env'} lacks {', '.join(missing)}")
        self.urls = {key: env[key] for key in KEYS}
        return self.urls

    def stop(self) -> None:
        if self.started:
            _script("stop")
            self.started = False
