"""Real PostgreSQL and RabbitMQ for the suite, through the project's own ``scripts/services``.

If ``HUB_TEST_POSTGRES_URL`` and ``HUB_TEST_RABBITMQ_URL`` are set (``scripts/test`` sets them, with
``HUB_TEST_SERVICES_DIR``), those are used. Otherwise the services are started here and stopped at the end of
the session. A service that cannot be started fails the tests that need it; nothing is skipped.

Each session works in a RabbitMQ virtual host of its own, so concurrent sessions and benchmarks never
consume each other's messages.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

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


def _script(*args: str, state: Path = STATE) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), *args, str(state)], capture_output=True, text=True, timeout=300)


class Services:
    """Start on first use; stop at the end only what this session started."""

    def __init__(self) -> None:
        self.urls: dict[str, str] = {}
        self.started = False
        self.state = Path(os.environ.get("HUB_TEST_SERVICES_DIR") or STATE)
        self.vhost: str | None = None

    def get(self) -> dict[str, str]:
        if self.urls:
            return self.urls
        if all(os.environ.get(key) for key in KEYS):
            urls = {key: os.environ[key] for key in KEYS}
        else:
            if _script("status", state=self.state).returncode != 0:
                result = _script("start", state=self.state)
                if result.returncode != 0:
                    raise ServiceError(f"could not start PostgreSQL/RabbitMQ: {result.stdout}{result.stderr}".strip())
                self.started = True
            env = read_env_file(self.state / "services.env")
            missing = [key for key in KEYS if not env.get(key)]
            if missing:
                raise ServiceError(f"{self.state / 'services.env'} lacks {', '.join(missing)}")
            urls = {key: env[key] for key in KEYS}
        self.urls = urls | {"HUB_TEST_RABBITMQ_URL": self._own_vhost(urls["HUB_TEST_RABBITMQ_URL"])}
        return self.urls

    def _own_vhost(self, url: str) -> str:
        """The session's own virtual host on the project's RabbitMQ (a server of the user's is used as given)."""
        if not (self.state / "services.env").exists():
            return url
        name = f"test-{uuid.uuid4().hex[:10]}"
        result = _script("vhost", "add", name, state=self.state)
        if result.returncode != 0:
            raise ServiceError(f"could not create RabbitMQ vhost {name}: {result.stdout}{result.stderr}".strip())
        self.vhost = name
        parts = urlsplit(url)
        return urlunsplit(parts._replace(path="/" + quote(name, safe="")))

    def stop(self) -> None:
        if self.vhost is not None:
            _script("vhost", "delete", self.vhost, state=self.state)
            self.vhost = None
        if self.started:
            _script("stop", state=self.state)
            self.started = False
