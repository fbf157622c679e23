"""Fixtures of the end-to-end tests: the OpenSSH server a csv-3pl warehouse is reached over, and a running
hub per stack that the tests of a module share (each test brings its own SKUs, locations and partners, so
what one does never reaches another)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.setup import Hub, running_hub, stack_for
from tests.edi.transports.sshd import Sshd, SshdError, start_sshd


@pytest.fixture(scope="session")
def sshd() -> Iterator[Sshd]:
    try:
        server = start_sshd()
    except SshdError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="module", params=["embedded", "production"])
def shared_hub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """``orderhub run`` on the embedded stack (SQLite + SQL broker) and on PostgreSQL + RabbitMQ."""
    root = tmp_path_factory.mktemp(f"hub-{request.param}")
    for stack in stack_for(request, request.param, root):
        with running_hub(stack, root) as hub:
            yield hub
