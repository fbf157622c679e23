"""The manual (docs/, mkdocs.yml) and the README that leads into it: the manual builds with warnings as
errors, a broken link fails that build, every README link lands on a page of the manual, and the example
connector in "Writing a connector" runs as printed."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests
import yaml

from hub.sdk import ConfigurationError, TransientError
from hub.sdk.testing import sample_fulfillment_request

REPO = Path(__file__).resolve().parents[1]
KEY = "acme-secret-key"
MKDOCS = Path(sys.executable).with_name("mkdocs")


def build(root: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MKDOCS), "build", "--strict", "--site-dir", str(site)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


def nav_pages(nav: list[Any]) -> set[str]:
    pages: set[str] = set()
    for entry in nav:
        for value in entry.values() if isinstance(entry, dict) else [entry]:
            pages |= nav_pages(value) if isinstance(value, list) else {value}
    return pages


def test_the_manual_builds_with_warnings_as_errors(tmp_path: Path) -> None:
    done = build(REPO, tmp_path / "site")
    assert done.returncode == 0, done.stderr[-3000:]
    started = (tmp_path / "site" / "getting-started" / "index.html").read_text(encoding="utf-8")
    # the first order is written once, in the README, and included here
    assert "shopify_orders_create.json" in started and "1Z999AA10123456784" in started
    assert "--8&lt;--" not in started and "start:first-order" not in started


def ci_docs_step() -> list[str]:
    """The command scripts/test (what CI runs) builds the manual with."""
    lines = (REPO / "scripts" / "test").read_text(encoding="utf-8").splitlines()
    step = [line for line in lines if line.startswith(".venv/bin/mkdocs ")]
    assert len(step) == 1, "scripts/test builds the manual exactly once"
    return [str(MKDOCS), *step[0].split()[1:]]


def test_a_broken_link_fails_the_ci_build(tmp_path: Path) -> None:
    for name in ("mkdocs.yml", "README.md"):
        shutil.copy(REPO / name, tmp_path / name)
    shutil.copytree(REPO / "docs", tmp_path / "docs")
    assert subprocess.run(ci_docs_step(), cwd=tmp_path, capture_output=True, timeout=120).returncode == 0
    page = tmp_path / "docs" / "routing.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nSee [the rules](rule-files.md).\n", encoding="utf-8")
    done = subprocess.run(ci_docs_step(), cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "rule-files.md" in done.stdout + done.stderr


def test_every_page_is_in_the_nav_and_every_readme_link_lands_on_one() -> None:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["strict"] is True
    pages = nav_pages(config["nav"])
    on_disk = {path.relative_to(REPO / "docs").as_posix() for path in (REPO / "docs").rglob("*.md")}
    assert pages == on_disk
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    linked = re.findall(r"\]\(docs/([^)#]+)\)", readme)
    assert len(linked) > 10
    assert sorted(set(linked) - pages) == []


def test_the_readme_stays_a_short_door() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", readme, flags=re.MULTILINE)
    assert headings == ["Quick start", "Your first order, end to end", "Where to go next", "License and contributing"]
    quick = readme.split("## Quick start", 1)[1]
    commands = re.findall(r"```sh\n(.*?)```", quick, flags=re.DOTALL)[0].splitlines()
    assert [line.split("#")[0].strip() for line in commands] == ["scripts/run", "scripts/test"]
    assert len(readme.splitlines()) < 150


def example_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The connector printed in docs/writing-a-connector.md, imported as a module."""
    text = (REPO / "docs" / "writing-a-connector.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    path = tmp_path / "acme_wms.py"
    path.write_text(next(block for block in blocks if "class AcmeWms" in block), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("acme_wms", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "acme_wms", module)
    spec.loader.exec_module(module)
    return module


class FakeAcme(BaseHTTPRequestHandler):
    """Takes orders by PUT /orders/<key>, answers 401 to any key but "k"."""

    orders: dict[str, dict[str, Any]] = {}

    def _authorized(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {KEY}":
            return True
        self.send_response(401)
        self.end_headers()
        return False

    def do_GET(self) -> None:  # noqa: N802 - the http.server protocol
        if self._authorized():
            self._answer({"name": "acme"})

    def do_PUT(self) -> None:  # noqa: N802
        if self._authorized():
            self.orders[self.path] = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self._answer({"id": len(self.orders)})

    def _answer(self, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def acme() -> Iterator[str]:
    FakeAcme.orders = {}
    server = HTTPServer(("127.0.0.1", 0), FakeAcme)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_the_example_connector_submits_once_and_classifies_failures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, acme: str
) -> None:
    module = example_module(tmp_path, monkeypatch)
    config = module.AcmeWms.Config
    connector = module.AcmeWms(config(base_url=acme, api_key=KEY), requests.Session())
    connector.check()
    request = sample_fulfillment_request()
    first = connector.submit_fulfillment(request, f"fo:{request.id}:submit")
    again = connector.submit_fulfillment(request, f"fo:{request.id}:submit")
    assert first.external_id == again.external_id == "1"
    assert list(FakeAcme.orders) == [f"/orders/{request.id}"]
    assert KEY not in repr(connector) and KEY not in repr(connector.config)
    refused = module.AcmeWms(config(base_url=acme, api_key="wrong"), requests.Session())
    with pytest.raises(ConfigurationError):
        refused.check()
    unreachable = module.AcmeWms(config(base_url="http://127.0.0.1:9", api_key=KEY, timeout=2), requests.Session())
    with pytest.raises(TransientError):
        unreachable.check()
