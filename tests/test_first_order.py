"""The README's "Your first order, end to end", run as written: the hub on the embedded default (terminal 1),
then terminal 2's commands in one shell, from an empty folder to an order shipped with tracking."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import requests

from tests.processes import free_port, hub_env, hub_process, wait_for

REPO = Path(__file__).resolve().parents[1]


def readme_blocks() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Your first order, end to end", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)


def test_the_readme_first_order_ends_shipped_with_tracking(tmp_path: Path) -> None:
    hub_block, commands = readme_blocks()
    start = [line for line in hub_block.splitlines() if line and not line.startswith("#")]
    assert start == ["HUB_WORKER__DELIVERY_POLL_SECONDS=5 scripts/run"]
    port = free_port()
    (tmp_path / ".venv").symlink_to(REPO / ".venv")
    (tmp_path / "docs").symlink_to(REPO / "docs")
    env = hub_env(HUB_DATA_DIR=str(tmp_path / "var"), HUB_WORKER__DELIVERY_POLL_SECONDS="5")
    with hub_process(["run", "--port", str(port)], env, tmp_path / "run.log"):

        def up() -> bool:
            try:
                return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_for(up, "the hub to answer", limit=120)
        script = commands.replace("http://127.0.0.1:8000/", f"http://127.0.0.1:{port}/")
        shell_env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
        done = subprocess.run(
            ["timeout", "300", "bash", "-euo", "pipefail", "-c", script],
            cwd=tmp_path,
            env=shell_env,
            capture_output=True,
            text=True,
            timeout=330,
        )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    shown = done.stdout
    assert re.search(r"^order ord_\S+ #1187 \(shopify/myshop \d+\): shipped$", shown, flags=re.MULTILINE), shown
    assert "UPS Ground 1Z999AA10123456784" in shown and "https://www.ups.com/track?tracknum=1Z999AA10123456784" in shown
    assert "fulfillment_order.submit to csv-3pl:east: delivered" in shown
    assert "order.shipped" in shown
    assert "Traceback" not in (tmp_path / "run.log").read_text()
