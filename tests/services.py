"""Real PostgreSQL and RabbitMQ for the suite, through the project's own ``scripts/services``.

If ``HUB_TEST_POSTGRES_URL`` and ``HUB_TEST_RABBITMQ_URL`` are set (``scripts/test`` sets them, with
``HUB_TEST_SERVICES_DIR``), those are used. Otherwise the services are started here and stopped at the end of
the session; not under ``pytest -n``, whose sessions each need the servers to outlive them. A service that
cannot be started fails the tests that need it; nothing is skipped.

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
        elif os.environ.get("PYTEST_XDIST_WORKER"):
            # Each of pytest -n's sessions would start and stop the same servers under the others' feet.
            raise ServiceError(
                "pytest -n needs PostgreSQL/RabbitMQ started beforehand: run scripts/test, or "
                "scripts/services start and set HUB_TEST_POSTGRES_URL/HUB_TEST_RABBITMQ_URL from its services.env"
            )
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
        for _attempt in range(3):
            # rabbitmqctl boots an Erlang VM of its own, which on a loaded machine now and then dies starting
            # up; another try (under a new name, in case the first got as far as adding it) then succeeds.
            name = f"test-{uuid.uuid4().hex[:10]}"
            result = _script("vhost", "add", name, state=self.state)
            if result.returncode == 0:
                break
        else:
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


RABBIT_LIB = Path("/usr/lib/rabbitmq/bin")


def _rabbit_env(state: dict[str, str]) -> dict[str, str]:
    """The variables ``scripts/services`` adds for the node and every rabbitmqctl call (``rabbit_env`` there):
    the same HOME (Erlang cookie), node name, ports, data and config files, and its own epmd."""
    base = Path(state["SERVICES_ROOT"]) / "rabbitmq"
    return {
        **os.environ,
        "HOME": state["SERVICES_RABBIT_HOME"],
        "LC_ALL": "C.UTF-8",
        "LANG": "C.UTF-8",
        "RABBITMQ_NODENAME": state["SERVICES_RABBIT_NODENAME"],
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": state["SERVICES_RABBIT_PORT"],
        "RABBITMQ_DIST_PORT": state["SERVICES_RABBIT_DIST_PORT"],
        "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
        "RABBITMQ_LOG_BASE": str(base / "log"),
        "RABBITMQ_PID_FILE": state["SERVICES_RABBIT_PIDFILE"],
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
        "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq.conf"),
        "RABBITMQ_ADVANCED_CONFIG_FILE": str(base / "advanced.config"),
        "RABBITMQ_CONF_ENV_FILE": str(base / "rabbitmq-env.conf"),
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        "ERL_EPMD_ADDRESS": "127.0.0.1",
        "ERL_EPMD_PORT": state["SERVICES_EPMD_PORT"],
        "RABBITMQ_CTL_ERL_ARGS": "-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}",
    }


def restart_rabbitmq(state_dir: Path, timeout: float = 120.0) -> None:
    """Stop the RabbitMQ node that ``scripts/services start STATE_DIR`` started and start it again on the same
    port and data (durable queues and persistent messages survive, connections do not), as a broker restart
    does in production. Meant for a services directory of a test's own: restarting the suite's shared node
    would cut every other session's connections."""
    env_file = state_dir / "services.env"
    state = read_env_file(env_file)
    env = _rabbit_env(state)
    node = ["-n", state["SERVICES_RABBIT_NODENAME"]]

    def ctl(*args: str) -> subprocess.CompletedProcess[str]:
        command = [str(RABBIT_LIB / "rabbitmqctl"), *node, *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)

    stopped = ctl("shutdown")  # returns once the node's OS process has exited
    if stopped.returncode != 0:
        raise ServiceError(f"rabbitmqctl shutdown failed: {stopped.stdout}{stopped.stderr}".strip())
    base = Path(state["SERVICES_ROOT"]) / "rabbitmq"
    with (base / "rabbitmq-server.out").open("ab") as out:
        subprocess.run(
            [str(RABBIT_LIB / "rabbitmq-server"), "-detached"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=True,
        )
    waited = ctl("wait", "--timeout", str(int(timeout)), state["SERVICES_RABBIT_PIDFILE"])
    if waited.returncode != 0:
        raise ServiceError(f"RabbitMQ did not come back: {waited.stdout}{waited.stderr}".strip())
    # `scripts/services stop` finds the node by this pid: record the new one.
    pid = Path(state["SERVICES_RABBIT_PIDFILE"]).read_text().strip()
    lines = [
        f"SERVICES_RABBIT_PID={pid}" if line.startswith("SERVICES_RABBIT_PID=") else line
        for line in env_file.read_text().splitlines()
    ]
    env_file.write_text("\n".join(lines) + "\n")
