"""The fake ShipStation of the tests (``tests/fakes/shipstation.py``) in a process of its own, for benchmarks.

In a process of its own, the fake's work never competes for the benchmark clients' interpreter lock, which
would delay the arrival times it records. It records, per ``orderKey``, the wall-clock time the key was
first stored and how many times it was posted (a resend is harmless at ShipStation, which updates the order
it holds under that key, but is worth seeing). Its rate limit is lifted: the benchmark measures the hub,
not how a partner throttles it.

    with FakeShipStationProcess() as fake:
        fake.base_url, fake.api_key, fake.api_secret   # connector settings
        fake.seen()                                    # keys stored so far
        fake.report()                                  # {orderKey: (first stored, posts)}, orders held
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, Self

from tests.fakes.shipstation import FakeShipStation


@dataclass
class TimedShipStation(FakeShipStation):
    """The fake, noting when each orderKey was first stored and how often it was posted."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.first_stored: dict[str, float] = {}
        self.posts: Counter[str] = Counter()

    def _upsert(self, body: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, str] | None]:
        order, problem = super()._upsert(body)  # the caller holds the lock
        if problem is None:
            self.first_stored.setdefault(order["orderKey"], time.time())
            self.posts[order["orderKey"]] += 1
        return order, problem


@dataclass(frozen=True)
class Arrivals:
    first_stored: dict[str, float]  # orderKey -> wall-clock seconds
    posts: dict[str, int]  # orderKey -> times posted
    orders_held: int  # orders the fake holds (one per orderKey, as ShipStation keeps them)
    requests: dict[str, int]  # requests answered, by method and path


def _serve(connection: Connection) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request would drown the benchmark's output
    with TimedShipStation(rate_limit=10**9) as fake:
        connection.send((fake.base_url, fake.api_key, fake.api_secret))
        while True:
            command = connection.recv()
            with fake._lock:
                if command == "seen":
                    connection.send(len(fake.first_stored))
                elif command == "report":
                    asked = Counter(f"{seen.method} {seen.path}" for seen in fake.requests)
                    connection.send(Arrivals(dict(fake.first_stored), dict(fake.posts), len(fake.orders), dict(asked)))
                else:
                    return


class FakeShipStationProcess:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)

    def __enter__(self) -> Self:
        self._process.start()
        if not self._connection.poll(60):
            raise RuntimeError("the fake ShipStation did not start within 60 s")
        self.base_url, self.api_key, self.api_secret = self._connection.recv()
        return self

    def _ask(self, command: str) -> Any:
        self._connection.send(command)
        if not self._connection.poll(60):
            raise RuntimeError(f"the fake ShipStation did not answer {command!r} within 60 s")
        return self._connection.recv()

    def seen(self) -> int:
        return int(self._ask("seen"))

    def report(self) -> Arrivals:
        arrivals: Arrivals = self._ask("report")
        return arrivals

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        try:
            self._connection.send("stop")
        except OSError:
            pass
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
