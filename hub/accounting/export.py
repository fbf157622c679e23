"""An export run: book what is new, plan one ``accounting.post`` delivery per entry not yet exported, send.

::

    orderhub export accounting quickbooks main --since 2026-11-01 --until 2026-11-30

1. The destination's settings are read (its connector's ``Config`` derives from ``hub.sdk.AccountingConfig``)
   and its mapping file validated; a problem stops the run before anything is written.
2. The journal scan books new facts and adjusting entries (``hub.accounting.journal``): one transaction. It
   reads only the orders changed since the destination's last scan.
3. Each entry dated within ``--since``/``--until`` that the export ledger does not hold yet gets a delivery
   (idempotency key ``acct:<destination>:<entry id>``, its accounts mapped to the destination's codes) and
   an ``accounting_exports`` row, in one transaction with the run's row. The export ledger is keyed by
   (destination, entry): an entry is planned once, ever, so a re-run posts nothing twice; the partner's own
   idempotency (the key handed over) covers a crash between its answer and our record.
4. The run's deliveries (and any earlier ones of this destination still pending) go through the delivery
   engine here, in this process: a connector with a batch form takes the whole run in one call (one CSV file
   per run) or its ``batch_size`` at a time (QuickBooks' ``/batch``), others one entry at a time. What fails
   transiently waits for its retry on the ``deliver.accounting`` queue; what is refused is dead, replayable
   with ``orderhub deliveries replay``.

``dry_run`` does steps 1-3 in a transaction that is rolled back, and reports what would go.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from hub.accounting.handler import PENDING, POST
from hub.accounting.journal import BuildReport, build
from hub.accounting.mapping import AccountMapping, load_mapping
from hub.accounting.payload import render, to_payload
from hub.db.models import AccountingExport, AccountingRun, Delivery, DeliveryStatus, JournalEntryRecord
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.delivery import results
from hub.delivery.accounts import connector_class, destination_name, find_account, validate_config
from hub.delivery.config import EngineConfig
from hub.delivery.engine import deliver, take_back_expired
from hub.delivery.outbox import queue_for
from hub.errors import InputRejected
from hub.sdk import AccountingConfig, ConnectorKind

PLAN_CHUNK = 400  # entries planned per statement pair (400 keys stay well inside every backend's bound limit)


@dataclass(frozen=True)
class Destination:
    """An accounting destination as an export needs it."""

    connector: str
    account: str
    config: AccountingConfig
    mapping: AccountMapping
    batch: bool  # the connector takes several entries in one call
    batch_size: int | None = None  # how many at most (its ``batch_size``); None: a whole run (one CSV file)

    @property
    def name(self) -> str:
        return destination_name(self.connector, self.account)


@dataclass
class RunReport:
    run_id: int | None
    build: BuildReport
    planned: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    summary: dict[tuple[str, str], tuple[int, Decimal]] = field(default_factory=dict)  # (kind, currency)

    @property
    def posted(self) -> int:
        return sum(self.outcomes[outcome] for outcome in results.SUCCEEDED)

    @property
    def failed(self) -> int:
        return self.outcomes[results.PERMANENT]

    @property
    def waiting(self) -> int:
        return sum(self.outcomes.values()) - self.posted - self.failed


def idempotency_key(destination: str, entry_id: str) -> str:
    return f"acct:{destination}:{entry_id}"


def destination(session: Session, connector: str, account: str) -> Destination:
    """The destination's settings and mapping, or ``InputRejected`` saying what to fix."""
    row = find_account(session, connector, account, active_only=False)
    if row is None:
        raise InputRejected(f"no connector account {connector}:{account} (add it with orderhub connector add)")
    cls = connector_class(connector)
    if cls.kind != ConnectorKind.ACCOUNTING:
        raise InputRejected(f"{connector} is a {cls.kind} connector, not an accounting one")
    config = validate_config(connector, dict(row.settings), dict(row.secrets))
    if not isinstance(config, AccountingConfig):
        raise InputRejected(f"{connector}'s settings do not derive from hub.sdk.AccountingConfig")
    size = getattr(cls, "batch_size", None)
    mapping = load_mapping(config.mapping_file)
    return Destination(connector, account, config, mapping, takes_batches(cls), size if isinstance(size, int) else None)


def takes_batches(cls: type) -> bool:
    """Whether the connector posts a whole run in one call (``PostsJournalEntryBatch``)."""
    return callable(getattr(cls, "post_entries", None))


def serialise(session: Session, target: Destination) -> None:
    """Two runs of one destination (the schedule and a person) take turns booking and planning: on PostgreSQL
    a transaction-scoped advisory lock on the destination's name; SQLite has one writer at a time anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": f"accounting:{target.name}"})


def build_journal(session: Session, target: Destination) -> BuildReport:
    serialise(session, target)
    return build(session, target.name, recognise_on=target.config.recognise_on, books_from=target.config.books_from)


def unexported(
    session: Session, target: Destination, since: date | None, until: date | None
) -> list[JournalEntryRecord]:
    planned = select(AccountingExport.entry_pk).where(AccountingExport.destination == target.name)
    query = select(JournalEntryRecord).where(
        JournalEntryRecord.destination == target.name, JournalEntryRecord.id.not_in(planned)
    )
    if since is not None:
        query = query.where(JournalEntryRecord.entry_date >= since)
    if until is not None:
        query = query.where(JournalEntryRecord.entry_date <= until)
    ordered = query.order_by(JournalEntryRecord.entry_date, JournalEntryRecord.id)
    return list(session.scalars(ordered.options(selectinload(JournalEntryRecord.lines))))


def plan(session: Session, target: Destination, entries: Sequence[JournalEntryRecord], run_id: int | None) -> list[int]:
    """One delivery and one export-ledger row per entry; the delivery ids. Written a few hundred at a time
    (one INSERT of deliveries, their ids read back by key, one INSERT of ledger rows) rather than a round
    trip per entry: a first export of a busy month plans tens of thousands."""
    ids: list[int] = []
    for start in range(0, len(entries), PLAN_CHUNK):
        ids.extend(_plan_chunk(session, target, entries[start : start + PLAN_CHUNK], run_id))
    session.flush()
    return ids


def _plan_chunk(
    session: Session, target: Destination, entries: Sequence[JournalEntryRecord], run_id: int | None
) -> list[int]:
    moment = utcnow()
    common = {
        "connector": target.connector,
        "destination": target.name,
        "operation": POST,
        "subject_type": "journal_entry",
        "queue": queue_for(target.name),
        "status": DeliveryStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": moment,
        "created_at": moment,
    }
    keys = [idempotency_key(target.name, record.entry_id) for record in entries]
    rows = [
        common
        | {
            "subject_id": str(record.id),
            "order_id": record.order_id,
            "idempotency_key": key,
            "payload": to_payload(render(record, target.mapping)),
        }
        for record, key in zip(entries, keys, strict=True)
    ]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(Delivery).on_conflict_do_nothing(index_elements=["idempotency_key"])
    session.connection().execute(statement, rows)  # a key planned before keeps its delivery, as enqueue does
    query = select(Delivery.idempotency_key, Delivery.id).where(Delivery.idempotency_key.in_(keys))
    found = {key: delivery_id for key, delivery_id in session.execute(query)}
    ids = [found[key] for key in keys]
    ledger = [
        {"destination": target.name, "entry_pk": record.id, "run_id": run_id, "delivery_id": delivery_id,
         "status": PENDING, "planned_at": moment}
        for record, delivery_id in zip(entries, ids, strict=True)
    ]  # fmt: skip
    session.connection().execute(insert(AccountingExport), ledger)
    return ids


def summarise(entries: Sequence[JournalEntryRecord]) -> dict[tuple[str, str], tuple[int, Decimal]]:
    summary: dict[tuple[str, str], tuple[int, Decimal]] = {}
    for record in entries:
        count, total = summary.get((record.kind, record.currency), (0, Decimal(0)))
        summary[(record.kind, record.currency)] = (count + 1, total + Decimal(record.total))
    return summary


def waiting_deliveries(session: Session, target: Destination) -> list[int]:
    """Deliveries of this destination planned earlier and still pending (a run cut short, a retry due)."""
    query = (
        select(Delivery.id)
        .join(AccountingExport, AccountingExport.delivery_id == Delivery.id)
        .where(AccountingExport.destination == target.name, Delivery.status == DeliveryStatus.PENDING)
    )
    return list(session.scalars(query))


def run_export(
    database: Database,
    connector: str,
    account: str,
    *,
    since: date | None = None,
    until: date | None = None,
    dry_run: bool = False,
    engine: EngineConfig | None = None,
    source: str = "cli",
    progress: Callable[[int, int], None] | None = None,
) -> RunReport:
    """One export run (see the module docstring). ``progress(done, total)`` is called as entries are sent."""
    if dry_run:
        with database.session() as session:
            target = destination(session, connector, account)
            report = RunReport(None, build_journal(session, target))
            entries = unexported(session, target, since, until)
            for record in entries:
                render(record, target.mapping)  # every account resolves
            report.planned, report.summary = len(entries), summarise(entries)
            session.rollback()
        return report
    with database.session() as session:
        target = destination(session, connector, account)
        built = build_journal(session, target)
    with database.session() as session:
        run = AccountingRun(destination=target.name, since=since, until=until, source=source, built=built.built)
        session.add(run)
        session.flush()
        serialise(session, target)
        entries = unexported(session, target, since, until)
        report = RunReport(run.id, built, summary=summarise(entries))
        ids = plan(session, target, entries, run.id)
        report.planned = run.planned = len(ids)
    send(database, target, ids, engine or EngineConfig(), report, progress)
    with database.session() as session:
        row = session.get(AccountingRun, report.run_id)
        if row is not None:
            row.posted, row.failed, row.finished_at = report.posted, report.failed, utcnow()
    return report


def send(
    database: Database,
    target: Destination,
    ids: list[int],
    engine: EngineConfig,
    report: RunReport,
    progress: Callable[[int, int], None] | None,
) -> None:
    take_back_expired(database, engine)  # a run killed mid-send: its deliveries are pending again
    with database.session() as session:
        earlier = [i for i in waiting_deliveries(session, target) if i not in set(ids)]
    todo = sorted(earlier) + ids
    chunk = (target.batch_size or max(len(todo), 1)) if target.batch else engine.chunk
    done = 0
    for start in range(0, len(todo), chunk):
        part = todo[start : start + chunk]
        sent = deliver(database, part, replace(engine, chunk=chunk))
        report.outcomes.update(sent.outcomes)
        done += len(part)
        if progress is not None:
            progress(done, len(todo))
