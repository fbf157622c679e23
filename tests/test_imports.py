"""Each entry point of the hub imports on its own, first, in a fresh interpreter: a circular import shows up
only when its cycle is entered from a particular side, which a test session importing everything in one
order never does."""

from __future__ import annotations

import subprocess
import sys

import pytest

FIRST_IMPORTS = (
    "hub.cli",
    "hub.api",
    "hub.console",
    "hub.web",
    "hub.web.app",
    "hub.worker.app",
    "hub.delivery.engine",
    "hub.delivery.handlers",
    "hub.events.plan",
    "hub.accounting.export",
    "hub.oms.route",
    "hub.channels.process",
    "hub.edi.pipeline",
    "hub.sdk",
)


@pytest.mark.parametrize("module", FIRST_IMPORTS)
def test_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
