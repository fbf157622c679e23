"""Processing an inbound X12 inbox message: read, check, acknowledge and apply, interchange by interchange.

The raw bytes are already stored (``hub.edi.intake``). Here, in one database transaction per message:

1. The partner is the one the transport vouched for (the inbox row's account), or, for a file from a shared
   drop, the one whose profile claims the ISA's sender; its leniencies decide how strictly the file is read.
   An interchange from a sender that no partner claims is left unprocessed, and the message fails with that
   reason (there is nobody to answer): add the partner and replay it.
2. Each interchange goes through :func:`hub.edi.pipeline.check_stream` (envelope, validation, mapping). When
   its ISA is read come the partner checks: the sender must be the vouching partner (else TA1 006), ISA15
   and the receiver must match the profile (TA1 020, 009). An accepted interchange seen before (same sender,
   receiver and ISA13) is a duplicate (TA1 note 025): acknowledged, not processed again.
3. Each set is applied by ``hub.edi.apply`` as soon as it is read, inside a savepoint of its group, itself
   inside a savepoint of its interchange; 997/999 sets update the acknowledgment status of what the hub sent
   (``hub.edi.functional_acks``), as do TA1 segments. A group found rejected at its GE (a wrong count or
   control number), or an interchange at its IEA, is rolled back to its savepoint and its sets are recorded
   as rejected, so nothing of an unsound envelope stays applied. Nothing is kept per set but what the
   acknowledgment needs (the interchange skeleton), so memory does not follow the file.
4. Each set lands on the register with its status: applied, flagged (a repeated PO), accepted (nothing to
   apply), rejected (by validation or its envelope) or failed (the mapping, the apply step or the hub itself
   failed on it). The acknowledgment the partner's policy calls for is queued with control numbers drawn in
   the same transaction; the ids of queued interchanges are returned for the caller to publish after commit.

The message ends ``processed``, or ``failed`` with every reason when some part could not be done. A replay
processes it again: orders and timeline entries are idempotent, the interchange is not taken for a duplicate
of itself, and an interchange that was answered before is not answered twice, unless the hub had failed on
it (register status ``failed``), whose answer may have been wrong.

When an exception escapes all this (a fault in reading the file, or the database refusing a write), the
caller rolls the transaction back and calls :func:`answer_after_fault` in a new one: the message fails with
the error, and every interchange whose header could be read is answered with a TA1 rejecting it (note 024),
per the partner's TA1 policy, so the partner is never left without an answer.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from sqlalchemy import delete
from sqlalchemy.orm import Session, SessionTransaction

from hub.canonical import CanonicalModel
from hub.db.models import EdiInterchange, EdiTransaction, InboxMessage, InboxStatus
from hub.db.models.base import utcnow
from hub.edi.acks import ACK_SETS, acknowledge, group_rejected, ta1_status
from hub.edi.apply import SetApplied, SetOrigin, UnknownOrder, apply_document
from hub.edi.control_numbers import draw
from hub.edi.duplicates import DUPLICATE_INTERCHANGE, record_interchange
from hub.edi.envelope import InterchangeStart
from hub.edi.functional_acks import read_verdict, record_ta1, record_verdict
from hub.edi.intake import ANY_PARTNER, stored_body
from hub.edi.model import Finding, Group, Interchange, Level, Transaction
from hub.edi.parse import profile_leniency
from hub.edi.partners import PartnerRecord, find_by_sender, get_partner
from hub.edi.pipeline import GroupDone, InterchangeBegun, Item, SetResult, check_stream, fault_text
from hub.edi.reader import STRICT, Leniency, UnreadableInput, read_events
from hub.edi.register import inbound_status, previous_inbound, queue_outbound, record_inbound, record_inbound_set
from hub.errors import InputRejected

WRONG_SENDER = "006"  # TA105: invalid interchange sender id
INVALID_CONTENT = "024"  # TA105: invalid interchange content, for an interchange the hub could not finish
MAX_PROBLEMS = 20  # reasons kept word for word; beyond them only a count (the error column is bounded anyway)
# Applying a set leaves reference cycles (an order record and its lines) that outlive several of Python's young
# collections and would wait for a full one, which comes only when the heap has grown by a quarter: collect
# every so many sets instead, so a large file does not pile them up (a full collection is tens of ms).
COLLECT_EVERY = 500


@dataclass
class Report:
    """What became of one message: per-status set counts, queued answers, and what could not be done."""

    sets: Counter[str] = field(default_factory=Counter)
    interchanges: Counter[str] = field(default_factory=Counter)
    outbound: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the message fails with these
    warnings: list[str] = field(default_factory=list)  # done, but the operator should look
    more_problems: int = 0  # problems past MAX_PROBLEMS, counted only
    more_warnings: int = 0
    handled: int = 0  # sets recorded so far

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)
        else:
            self.more_problems += 1

    def warning(self, text: str) -> None:
        if len(self.warnings) < MAX_PROBLEMS:
            self.warnings.append(text)
        else:
            self.more_warnings += 1

    @property
    def failed(self) -> bool:
        return bool(self.problems)

    def describe(self) -> str:
        parts = [f"{n} interchange(s) {status}" for status, n in sorted(self.interchanges.items())]
        parts += [f"{n} set(s) {status}" for status, n in sorted(self.sets.items())]
        more = [
            f"and {n} more {what}"
            for n, what in ((self.more_problems, "problems"), (self.more_warnings, "warnings"))
            if n
        ]
        return "; ".join([", ".join(parts) or "nothing read", *self.problems, *self.warnings, *more])


def process_x12(session: Session, message: InboxMessage, *, replay: bool = False) -> Report:
    """Process ``message`` in ``session``'s transaction and set its status; the caller commits."""
    report = Report()
    try:
        vouched = None if message.account == ANY_PARTNER else get_partner(session, message.account)
        leniency = profile_leniency(vouched.profile) if vouched else _leniency_of_sender(session, message.id)
        with stored_body(session, message.id) as body:
            _process_stream(session, message, vouched, check_stream(body, leniency), replay, report)
    except UnreadableInput as exc:
        report.problem(f"not X12: {exc}")
    except InputRejected as exc:  # unknown or invalid partner profile
        report.problem(str(exc))
    _conclude(message, report)
    return report


def _process_stream(
    session: Session,
    message: InboxMessage,
    vouched: PartnerRecord | None,
    items: Iterator[Item],
    replay: bool,
    report: Report,
) -> None:
    work: _InterchangeWork | None = None
    for item in items:
        if isinstance(item, InterchangeBegun):
            work = _InterchangeWork(session, message, report, replay)
            work.begin(vouched, item.interchange)
        elif work is None:
            raise AssertionError("the reader yields every interchange's start before its content")
        elif isinstance(item, SetResult):
            work.add_set(item)
        elif isinstance(item, GroupDone):
            work.end_group(item.group)
        else:
            work.finish()
            work = None


def _conclude(message: InboxMessage, report: Report) -> None:
    message.processed_at = utcnow()
    message.status = InboxStatus.FAILED if report.failed else InboxStatus.PROCESSED
    message.error = report.describe()[:4000]


def _leniency_of_sender(session: Session, inbox_id: int) -> Leniency:
    """The leniencies of the partner the first ISA names, for a file no transport vouched for."""
    with stored_body(session, inbox_id) as body:
        first = next(_headers(body), None)
    if first is None:
        return STRICT
    partner = find_by_sender(session, first.sender_qualifier, first.sender_id)
    return profile_leniency(partner.profile) if partner else STRICT


def _headers(body: BinaryIO) -> Iterator[Interchange]:
    """The interchange headers that can be read from ``body``, without checks, until the end or a fault."""
    try:
        for event in read_events(body, Leniency(variable_width_isa=True), check=False):
            if isinstance(event, InterchangeStart):
                yield event.interchange
    except Exception:  # noqa: BLE001 - a header is a bonus here; what could not be read is reported elsewhere
        return


def _partner_for(
    session: Session, vouched: PartnerRecord | None, interchange: Interchange, report: Report
) -> PartnerRecord | None:
    sender = f"{interchange.sender_qualifier}:{interchange.sender_id}"
    if vouched is not None:
        theirs = vouched.profile.theirs
        if (interchange.sender_qualifier, interchange.sender_id) != (theirs.qualifier, theirs.id):
            message = f"ISA05/ISA06 {sender} is not partner {vouched.id} ({theirs}), whose transport delivered it"
            interchange.findings.append(
                Finding(Level.INTERCHANGE, WRONG_SENDER, message, "ISA", element="06", value=interchange.sender_id)
            )
        return vouched
    partner = find_by_sender(session, interchange.sender_qualifier, interchange.sender_id)
    if partner is None or not partner.active:
        why = "no partner has this sender id" if partner is None else f"partner {partner.id} is inactive"
        report.problem(
            f"interchange {interchange.control_number} from {sender} was not processed: {why};"
            " set the partner up (`orderhub partner add`) and replay this message"
        )
        report.interchanges["unprocessed"] += 1
        return None
    return partner


class _InterchangeWork:
    """One interchange being processed: its partner, register row and savepoints, and the counts of the group
    under way (merged into the report when the group stands, dropped when it is rolled back)."""

    def __init__(self, session: Session, message: InboxMessage, report: Report, replay: bool) -> None:
        self.session, self.message, self.report, self.replay = session, message, report, replay
        self.partner: PartnerRecord | None = None
        self.interchange: Interchange | None = None
        self.row: EdiInterchange | None = None
        self.duplicate = False
        self.fault: str | None = None
        self.outer: SessionTransaction | None = None  # savepoint before anything of the interchange is applied
        self.inner: SessionTransaction | None = None  # savepoint of the group under way
        self.group: Group | None = None
        self.group_report = Report()

    def begin(self, vouched: PartnerRecord | None, interchange: Interchange) -> None:
        self.interchange = interchange
        self.partner = _partner_for(self.session, vouched, interchange, self.report)
        if self.partner is None:
            return
        interchange.findings.extend(self.partner.profile.check_inbound(interchange))
        previous = previous_inbound(self.session, self.message.id, interchange) if self.replay else None
        if previous is not None:
            self.row = previous
            if previous.status == "failed":  # the hub failed on it before: its answer may have been wrong
                previous.answer_id = None
            self.session.execute(delete(EdiTransaction).where(EdiTransaction.interchange_id == previous.id))
        else:
            self.row = record_inbound(
                self.session, interchange, partner_id=self.partner.id, inbox_id=self.message.id, status="accepted"
            )
        self.outer = self.session.begin_nested()
        if interchange.accepted and previous is None:
            duplicate = record_interchange(self.session, interchange, self.partner.id)
            if duplicate is not None:
                interchange.findings.append(duplicate)
                self.duplicate = True

    def add_set(self, result: SetResult) -> None:
        if self.partner is None or self.duplicate:
            return  # unprocessed, or a copy of an interchange already received: its sets are not recorded
        if result.group is not self.group:
            self.group, self.group_report = result.group, Report()
            self.inner = self.session.begin_nested()
        _set(self.session, self.partner, self.message, self._row(), result, self.group_report)
        self.report.handled += 1
        if self.report.handled % COLLECT_EVERY == 0:
            gc.collect()
        if result.fault:  # the hub's own failure fails the message, whatever becomes of the set
            self.fault = self.fault or result.fault
            transaction = result.transaction
            self.report.problem(
                f"set {transaction.set_id} {transaction.control_number} (group {result.group.control_number}):"
                f" the hub failed on it: {result.fault}"
            )

    def end_group(self, group: Group) -> None:
        if group is not self.group or self.inner is None:
            return  # a group without sets, or one of an interchange not processed
        assert self.interchange is not None
        if group_rejected(group) or not self.interchange.accepted:
            self.inner.rollback()
            self._record_rejected(group)
        else:
            self.inner.commit()
            _merge(self.report, self.group_report)
        self.group, self.inner, self.group_report = None, None, Report()

    def finish(self) -> None:
        interchange = self.interchange
        assert interchange is not None
        if self.partner is None:
            return
        if self.group is not None:  # the reader ends every group first; this only guards the savepoints' order
            self.end_group(self.group)
        row = self._row()
        assert self.outer is not None
        if interchange.accepted:
            self.outer.commit()
        else:  # e.g. a wrong IEA: nothing of it stays applied, its receipt included, and every set is rejected
            self.outer.rollback()
            if self.duplicate:
                interchange.findings[:] = [f for f in interchange.findings if f.code != DUPLICATE_INTERCHANGE]
                self.duplicate = False
            for group in interchange.groups:
                self._record_rejected(group)
        status = "failed" if self.fault else inbound_status(interchange, self.duplicate)
        row.status, row.ta1_code = status, ta1_status(interchange)[1]
        row.error = f"the hub failed on a set of it: {self.fault}" if self.fault else None
        self.report.interchanges[status] += 1
        if not self.duplicate:
            for ta1 in interchange.acknowledgments:
                record_ta1(self.session, self.partner.id, ta1, row, utcnow())
        if row.answer_id is None:
            _answer(self.session, self.partner, interchange, row, self.report)

    def _record_rejected(self, group: Group) -> None:
        """After a rollback: every set of ``group`` on the register as rejected, with the envelope's reason."""
        assert self.interchange is not None
        for transaction in group.transactions:
            record_inbound_set(
                self.session,
                self._row(),
                group,
                transaction,
                status="rejected",
                error=_rejection(transaction, group, self.interchange),
            )
            self.report.sets["rejected"] += 1

    def _row(self) -> EdiInterchange:
        assert self.row is not None
        return self.row


def _merge(report: Report, part: Report) -> None:
    report.sets.update(part.sets)
    for problem in part.problems:
        report.problem(problem)
    for warning in part.warnings:
        report.warning(warning)
    report.more_problems += part.more_problems
    report.more_warnings += part.more_warnings


def _rejection(transaction: Transaction, group: Group, interchange: Interchange) -> str:
    reasons = [f.message for f in (*transaction.findings, *group.findings, *interchange.findings) if f.fatal]
    return "; ".join(reasons[:3]) or "its group was rejected"


def _answer(
    session: Session, partner: PartnerRecord, interchange: Interchange, row: EdiInterchange, report: Report
) -> None:
    answer = acknowledge(interchange, partner.profile, lambda kind: draw(session, partner.id, kind)[0])
    if answer is None:
        return
    ours, theirs = partner.profile.ours, partner.profile.theirs
    queued = queue_outbound(
        session,
        partner_id=partner.id,
        text=answer.text,
        control_number=answer.control_number,
        sender=str(ours),
        receiver=str(theirs),
        usage="T" if interchange.usage == "T" else "P",
        kind="acknowledgment",
    )
    row.answer_id = queued.id
    report.outbound.append(queued.id)


def _set(
    session: Session,
    partner: PartnerRecord,
    message: InboxMessage,
    row: EdiInterchange,
    result: SetResult,
    report: Report,
) -> None:
    """Record (and apply, when sound so far) one set while its segments are still there."""
    group, transaction = result.group, result.transaction
    where = f"set {transaction.set_id} {transaction.control_number} (group {group.control_number})"
    if result.fault and not transaction.accepted:  # the validator itself failed: nothing is known of the set
        _failed(session, row, result, report, error=f"the hub could not validate it: {result.fault}")
        return
    if not (transaction.accepted and result.interchange.accepted and not group_rejected(group)):
        record_inbound_set(
            session,
            row,
            group,
            transaction,
            status="rejected",
            error=_rejection(transaction, group, result.interchange),
        )
        report.sets["rejected"] += 1
        return
    if transaction.set_id in ACK_SETS:
        verdict = read_verdict(transaction)
        updated = record_verdict(session, partner.id, verdict, row, utcnow()) if verdict else 0
        note = f"acknowledges {updated} set(s) we sent" if updated else "acknowledges nothing the hub sent"
        record_inbound_set(session, row, group, transaction, status="applied", error=None if updated else note)
        report.sets["applied"] += 1
        return
    if result.fault:
        _failed(session, row, result, report, error=f"the hub could not map it: {result.fault}")
        return
    if result.mapping_error:
        _failed(session, row, result, report, error=result.mapping_error, problem=f"{where}: {result.mapping_error}")
        return
    if not result.documents:
        record_inbound_set(session, row, group, transaction, status="accepted")
        report.sets["accepted"] += 1
        return
    origin = SetOrigin(partner, message, result.interchange, group, transaction)
    for document in result.documents:
        _apply_one(session, row, origin, document, where, report)


def _failed(
    session: Session, row: EdiInterchange, result: SetResult, report: Report, *, error: str, problem: str | None = None
) -> None:
    """A set that could not be applied; ``problem`` fails the message (a fault is reported by the caller)."""
    record_inbound_set(session, row, result.group, result.transaction, status="failed", error=error)
    report.sets["failed"] += 1
    if problem:
        report.problem(problem)


def _apply_one(
    session: Session, row: EdiInterchange, origin: SetOrigin, document: CanonicalModel, where: str, report: Report
) -> None:
    outcome, error = _apply(session, document, origin)
    status = outcome.status if outcome else "failed"
    warning = outcome.warning if outcome else None
    record_inbound_set(
        session,
        row,
        origin.group,
        origin.transaction,
        status=status,
        reference=outcome.reference if outcome else None,
        document=document.model_dump(mode="json"),
        order_id=outcome.order_id if outcome else None,
        error=error or (outcome.note if outcome and outcome.status == "flagged" else None) or warning,
    )
    report.sets[status] += 1
    if error:
        report.problem(f"{where}: {error}")
    if warning:
        report.warning(warning)


def _apply(session: Session, document: CanonicalModel, origin: SetOrigin) -> tuple[SetApplied | None, str | None]:
    """Apply one document in a savepoint of its own: a refusal or a fault undoes only this document."""
    try:
        with session.begin_nested():
            return apply_document(session, document, origin), None
    except UnknownOrder as exc:
        return None, str(exc)
    except Exception as exc:  # a fault of the hub's own apply step: this set fails, the others go on
        return None, f"the hub could not apply it: {fault_text(exc)}"


def answer_after_fault(session: Session, message: InboxMessage, error: str) -> list[int]:
    """After processing raised (and its transaction was rolled back): fail ``message`` with ``error`` and
    answer each interchange whose header can be read, and that was not answered before, with a TA1 R 024
    (per the partner's TA1 policy). Returns the ids of the queued answers."""
    report = Report()
    try:
        vouched = None if message.account == ANY_PARTNER else get_partner(session, message.account)
    except InputRejected as exc:
        report.problem(str(exc))
        vouched = None
    if vouched is not None or message.account == ANY_PARTNER:
        with stored_body(session, message.id) as body:
            headers = list(_headers(body))  # read whole before anything is written
        for interchange in headers:
            _answer_unfinished(session, message, vouched, interchange, error, report)
    answered = f"{len(report.outbound)} interchange(s) answered with TA1 R {INVALID_CONTENT}"
    notes = [error, *report.problems, *([answered] if report.outbound else [])]
    message.status, message.error, message.processed_at = InboxStatus.FAILED, "; ".join(notes)[:4000], utcnow()
    return report.outbound


def _answer_unfinished(
    session: Session,
    message: InboxMessage,
    vouched: PartnerRecord | None,
    interchange: Interchange,
    error: str,
    report: Report,
) -> None:
    partner = _partner_for(session, vouched, interchange, report)
    if partner is None:
        return
    row = previous_inbound(session, message.id, interchange)
    if row is not None and row.answer_id is not None and row.status != "failed":
        return  # answered soundly by an earlier run
    interchange.findings.append(
        Finding(Level.INTERCHANGE, INVALID_CONTENT, f"the hub could not process this interchange: {error}", "ISA")
    )
    if row is None:
        row = record_inbound(session, interchange, partner_id=partner.id, inbox_id=message.id, status="failed")
    row.status, row.ta1_code, row.error, row.answer_id = "failed", INVALID_CONTENT, error[:4000], None
    report.interchanges["failed"] += 1
    _answer(session, partner, interchange, row, report)
