"""The delivery engine: claim a chunk, send it outside any transaction, record the chunk's results at once.

::

    ids (from a task) --chunk--> claim (one transaction: breaker admission, one UPDATE ... RETURNING,
                                        handlers' prepare, account settings read)
                     --> send   (no transaction open: per destination, one batch call when the connector
                                 offers one, else one call per delivery, stopping at the destination's
                                 first transient failure)
                     --> record (one transaction: states, attempt rows, breakers, pauses, settlements)
                     --> AfterCommit (what the task publishes: routing again, new deliveries)

A chunk costs three short transactions however many deliveries it holds, which is what lets throughput
grow with the chunk size instead of with commits. A chunk's sending stops taking new deliveries once half
its lease has gone, so results are recorded well before the sweep would take the chunk back.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import requests
from sqlalchemy.orm import Session

from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.delivery import results
from hub.delivery.accounts import AccountSpec, UnknownDestination, account_spec, build_connector
from hub.delivery.claim import Claimed, claim, expired
from hub.delivery.config import EngineConfig
from hub.delivery.handlers import (
    CONNECTOR,
    AfterCommit,
    Handler,
    Target,
    destination_kind,
    handler_for,
    missing_handler_reason,
)
from hub.delivery.record import record, record_in_session
from hub.delivery.results import Result
from hub.errors import HubError
from hub.secrets import resolve_secret

log = logging.getLogger(__name__)
_BUILT = threading.local()  # connector instances by destination, with what they were built from


@dataclass
class Report:
    """What a run did: outcomes counted, and what to publish now that it is committed."""

    claimed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    after: AfterCommit = field(default_factory=AfterCommit)

    def merge(self, other: Report) -> None:
        self.claimed += other.claimed
        self.outcomes.update(other.outcomes)
        self.after.merge(other.after)


@dataclass
class Group:
    """The deliveries of one chunk for one destination and operation."""

    destination: str
    operation: str
    handler: Handler | None
    deliveries: list[Claimed] = field(default_factory=list)


def deliver(database: Database, ids: Sequence[int], config: EngineConfig, *, queue: str | None = None) -> Report:
    """Send the deliveries ``ids`` that are pending and due, ``config.chunk`` at a time; with ``queue``, a
    chunk short of ``config.chunk`` is topped up with other due deliveries of that queue (``claim``)."""
    report = Report()
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), config.chunk):
        report.merge(deliver_chunk(database, ordered[start : start + config.chunk], config, queue=queue))
    return report


def deliver_chunk(database: Database, ids: Sequence[int], config: EngineConfig, *, queue: str | None = None) -> Report:
    top_up = (queue, config.chunk) if queue is not None else None
    with database.session() as session:
        claimed = claim(session, ids, utcnow(), lease=config.lease, breaker=config.breaker, top_up=top_up)
        if not claimed:
            return Report()
        groups = _groups(claimed)
        decided = _prepare(session, groups)
        specs = _specs(session, groups)
    deadline = time.monotonic() + config.lease.total_seconds() / 2
    outcomes = list(decided.values())
    targets: dict[str, Target | Result] = {}
    for group in groups:
        waiting = [delivery for delivery in group.deliveries if delivery.id not in decided]
        if waiting:
            outcomes.extend(_send(group, waiting, targets, specs, deadline))
    after = record(database, claimed, outcomes, config)
    return Report(len(claimed), Counter(result.outcome for result in outcomes), after)


def _groups(claimed: Sequence[Claimed]) -> list[Group]:
    groups: dict[tuple[str, str], Group] = {}
    for delivery in claimed:
        key = (delivery.destination, delivery.operation)
        if key not in groups:
            groups[key] = Group(delivery.destination, delivery.operation, handler_for(delivery.operation, key[0]))
        groups[key].deliveries.append(delivery)
    return list(groups.values())


def _prepare(session: Session, groups: Sequence[Group]) -> dict[int, Result]:
    decided: dict[int, Result] = {}
    for group in groups:
        if group.handler is None:
            reason = missing_handler_reason(group.operation, group.destination)
            decided.update({d.id: _refused(d, reason) for d in group.deliveries})
        else:
            decided.update(group.handler.prepare(session, group.deliveries))
    return decided


def _specs(session: Session, groups: Sequence[Group]) -> dict[str, AccountSpec | str]:
    """The account settings of each connector destination (read here, used outside the transaction), or
    why there is none."""
    specs: dict[str, AccountSpec | str] = {}
    for destination in {group.destination for group in groups if destination_kind(group.destination) == CONNECTOR}:
        try:
            specs[destination] = account_spec(session, destination)
        except (UnknownDestination, HubError) as exc:
            specs[destination] = str(exc)
    return specs


def _refused(delivery: Claimed, reason: str) -> Result:
    now = utcnow()
    return Result(delivery.id, results.CONFIGURATION, now, now, error=reason)


def build_target(destination: str, specs: dict[str, AccountSpec | str]) -> Target | str:
    """The connector instance for a destination, or why it cannot be built. An instance is kept per
    process and thread while the account's settings and secret values stay the same, so its HTTP session
    (and the connections it keeps open) serves the next chunk too; any change builds a new one."""
    if destination_kind(destination) != CONNECTOR:
        return Target(destination)
    spec = specs.get(destination)
    if not isinstance(spec, AccountSpec):
        return spec or f"no connector account {destination!r}"
    secrets = _secret_values(spec)
    made_from = (spec.connector, _canonical(spec.settings), _canonical(spec.secrets), secrets)
    built: dict[str, tuple[tuple[object, ...], Target]] = _BUILT.__dict__.setdefault("targets", {})
    if destination in built and built[destination][0] == made_from:
        return built[destination][1]
    try:
        connector = build_connector(spec, requests.Session())
    except HubError as exc:
        return str(exc)
    built[destination] = (made_from, Target(destination, connector, secrets))
    return built[destination][1]


def _canonical(values: dict[str, object]) -> str:
    return json.dumps(values, sort_keys=True, default=str)


def _secret_values(spec: AccountSpec) -> tuple[str, ...]:
    values = []
    for reference in spec.secrets.values():
        try:
            values.append(str(resolve_secret(reference).get_secret_value()))
        except Exception:  # noqa: BLE001, S112 - building the connector already resolved them
            continue
    return tuple(values)


def _send(
    group: Group,
    deliveries: list[Claimed],
    targets: dict[str, Target | Result],
    specs: dict[str, AccountSpec | str],
    deadline: float,
) -> list[Result]:
    assert group.handler is not None  # groups without one were decided in _prepare
    built = targets.get(group.destination)
    if built is None:
        made = build_target(group.destination, specs)
        built = targets[group.destination] = made if isinstance(made, Target) else _refused(deliveries[0], made)
    if isinstance(built, Result):
        return [_refused(delivery, built.error or "refused") for delivery in deliveries]
    batch = group.handler.send_batch(built, deliveries)
    if batch is not None:
        return [result.scrubbed(built.secrets) for result in batch]
    return _one_by_one(group.handler, built, deliveries, deadline)


def _one_by_one(handler: Handler, target: Target, deliveries: list[Claimed], deadline: float) -> list[Result]:
    sent: list[Result] = []
    stop: str | None = None
    for delivery in deliveries:
        if stop is None and time.monotonic() > deadline:
            stop = "the chunk ran out of time; it goes with the next one"
        if stop is not None:
            sent.append(results.not_tried(delivery.id, results.DEFERRED, stop))
            continue
        result = handler.send_one(target, delivery).scrubbed(target.secrets)
        sent.append(result)
        if result.outcome in (results.TRANSIENT, results.CONFIGURATION):
            stop = f"not tried: {target.destination} just failed ({result.outcome})"
    return sent


def take_back_expired(database: Database, config: EngineConfig) -> Report:
    """Deliveries whose worker stopped mid-send (lease over) count a lost attempt and wait for their retry."""
    with database.session() as session:
        now = utcnow()
        lost = expired(session, now)
        if not lost:
            return Report()
        reason = "the worker sending it stopped before recording a result (its lease ran out)"
        outcomes = [Result(d.id, results.LOST, d.claimed_at, now, error=reason) for d in lost]
        after = record_in_session(session, lost, outcomes, config, now=now)
    return Report(0, Counter(result.outcome for result in outcomes), after)
