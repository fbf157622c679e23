"""The command line as a user meets it: real processes, real exit codes, one-line errors."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from hub.db.migrate import head_revision
from tests.processes import free_port, hub_env, hub_process, wait_for

# A purchase order whose BEG05 date ends in a Latin-1 superscript two (byte 0xB2), which Python calls a digit.
SUPERSCRIPT_DATE_850 = (
    b"ISA*00*          *00*          *ZZ*ACMERETAIL     *ZZ*WIDGETSUPPLY   *261122*0930*U*00401*000000101*0*P*>~"
    b"GS*PO*ACMERETAIL*WIDGETSUPPLY*20261122*0930*1*X*004010~ST*850*0001~BEG*00*SA*PO-1**2026112\xb2~"
    b"PO1*1*2*EA*3.50**VN*SKU-1~CTT*1~SE*5*0001~GE*1*1~IEA*1*000000101~"
)


def orderhub(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hub", *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("settings", "args", "code", "message"),
    [
        (
            {"HUB_BROKER_URL": "redis://localhost/0"},
            ["db", "upgrade"],
            2,
            "HUB_BROKER_URL 'redis://localhost/0' has an unknown scheme 'redis'",
        ),
        (
            {"HUB_DATABASE_URL": "postgresql://hub:pw@127.0.0.1:1/hub"},
            ["db", "upgrade"],
            3,
            "database postgresql+psycopg://hub:***@127.0.0.1:1/hub is unreachable",
        ),
        (
            {"HUB_BROKER_URL": "amqp://guest:pw@127.0.0.1:1//"},
            ["worker"],
            3,
            "broker amqp://guest:***@127.0.0.1:1// is unreachable",
        ),
        (
            {"HUB_BROKER_URL": "amqp://guest:pw@127.0.0.1:1//"},
            ["serve"],
            3,
            "broker amqp://guest:***@127.0.0.1:1// is unreachable",
        ),
    ],
)
def test_bad_settings_print_one_line_and_exit_non_zero(
    tmp_path: Path, settings: dict[str, str], args: list[str], code: int, message: str
) -> None:
    result = orderhub(*args, env=hub_env(HUB_DATA_DIR=str(tmp_path), **settings))
    assert result.returncode == code
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("orderhub: ") and message in lines[0]
    assert "Traceback" not in result.stderr and ":pw@" not in result.stderr


def test_an_internal_error_is_one_line_with_its_type_and_exit_1(tmp_path: Path) -> None:
    # A database that was never upgraded: the inbox table is missing, which no command foresees.
    result = orderhub("inbox", "list", env=hub_env(HUB_DATA_DIR=str(tmp_path)))
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("orderhub: internal error: OperationalError: ") and "no such table" in line
    assert "Traceback" not in result.stderr


def test_replaying_an_x12_file_with_a_superscript_date_answers_it(database_url: str, tmp_path: Path) -> None:
    env = hub_env(HUB_DATA_DIR=str(tmp_path), HUB_DATABASE_URL=database_url)
    partner = ["--name", "Acme", "--isa", "ZZ:ACMERETAIL", "--our-isa", "ZZ:WIDGETSUPPLY", "--version", "00401"]
    assert orderhub("partner", "add", "acme", *partner, env=env).returncode == 0
    x12 = tmp_path / "po.x12"
    x12.write_bytes(SUPERSCRIPT_DATE_850)
    received = orderhub("edi", "receive", "acme", str(x12), env=env)
    assert received.returncode == 0, received.stderr
    inbox_id = json.loads(received.stdout)["inbox_id"]
    replayed = orderhub("inbox", "replay", str(inbox_id), env=env)
    assert "Traceback" not in replayed.stderr, replayed.stderr
    shown = json.loads(replayed.stdout)
    assert (shown["id"], shown["status"], replayed.returncode) == (inbox_id, "processed", 0)
    assert "1 set(s) rejected" in shown["detail"]


def test_db_upgrade_then_current(database_url: str, tmp_path: Path) -> None:
    env = hub_env(HUB_DATA_DIR=str(tmp_path), HUB_DATABASE_URL=database_url)
    assert orderhub("db", "upgrade", env=env).returncode == 0
    current = orderhub("db", "current", env=env)
    assert current.returncode == 0 and f"current: {head_revision()}" in current.stdout


def test_run_serves_health_with_a_live_worker_and_stops_cleanly(stack: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    env = hub_env(**stack, HUB_WORKER__HEARTBEAT_SECONDS="1")
    url = f"http://127.0.0.1:{port}/healthz"

    def healthy_with_workers() -> dict | None:  # type: ignore[type-arg]
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
                body = json.load(response)
        except OSError:
            return None
        return body if body["status"] == "ok" and "ingest" in body["workers"] else None

    with hub_process(["run", "--port", str(port)], env, tmp_path / "run.log") as process:
        body = wait_for(healthy_with_workers, "orderhub run to answer /healthz with a worker check-in", limit=90)
        assert body["database"]["revision"] == body["database"]["head"]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0, (tmp_path / "run.log").read_text()[-3000:]
    log = (tmp_path / "run.log").read_text()
    assert "Traceback" not in log, log[-3000:]
