"""Processing an inbound X12 inbox message: read, check, acknowledge and apply, interchange by interchange.

The raw bytes are already stored (``hub.edi.intake``). Here, in one database transaction per message:

1. The partner is the one the transport vouched for (the inbox row's account), or, for a file from a shared
   drop, the one whose profile claims the first ISA's sender; its leniencies decide how strictly the file is
   read. An interchange from a sender that no partner claims is left unprocessed, and the message fails with
   that reason (there is nobody to answer): add the partner and replay it.
2. Each interchange goes through :func:`hub.edi.pipeline.check_stream` (envelope, validation, mapping), then
   the partner checks: the sender must be the vouching partner (else TA1 006), ISA15 and the receiver must
   match the profile (TA1 020, 009). An accepted interchange seen before (same sender, receiver and ISA13) is
   a duplicate (TA1 note 025): acknowledged, not processed again.
3. Sets that may be applied (``hub.edi.pipeline.applicable``) are applied by ``hub.edi.apply``; 997/999 sets
   update the acknowledgment status of what the hub sent (``hub.edi.functional_acks``), as do TA1 segments.
   Each set lands on the register with its status: applied, flagged (a repeated PO), accepted (nothing to
   apply), rejected (by validation or its envelope) or failed (the mapping or the apply step refused it).
4. The acknowledgment the partner's policy calls for is queued for sending with control numbers drawn in the
   same transaction; the ids of queued interchanges are returned for the caller to publish after commit.

The message ends ``processed``, or ``failed`` with every reason when some part could not be done. A replay
processes it again: orders and timeline entries are idempotent, the interchange is not taken for a duplicate
of itself, and an interchange that was answered before is not answered twice.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import delete
from sqlalchemy.orm import Session

from hub.canonical import CanonicalModel
from hub.db.models import EdiInterchange, EdiTransaction, InboxMessage, InboxStatus
from hub.db.models.base import utcnow
from hub.edi.acks import ACK_SETS, acknowledge
from hub.edi.apply import SetApplied, SetOrigin, UnknownOrder, apply_document
from hub.edi.control_numbers import draw
from hub.edi.duplicates import record_interchange
from hub.edi.envelope import InterchangeStart
from hub.edi.functional_acks import GroupVerdict, read_verdict, record_ta1, record_verdict
from hub.edi.intake import ANY_PARTNER
from hub.edi.model import Finding, Interchange, Level
from hub.edi.parse import profile_leniency
from hub.edi.partners import PartnerRecord, find_by_sender, get_partner
from hub.edi.pipeline import SetResult, applicable, check_stream
from hub.edi.reader import STRICT, Leniency, UnreadableInput, read_events
from hub.edi.register import inbound_status, previous_inbound, queue_outbound, record_inbound, record_inbound_set
from hub.errors import InputRejected

WRONG_SENDER = "006"  # TA105: invalid interchange sender id


@dataclass
class Report:
    """What became of one message: per-status set counts, queued answers, and what could not be done."""

    sets: Counter[str] = field(default_factory=Counter)
    interchanges: Counter[str] = field(default_factory=Counter)
    outbound: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the message fails with these
    warnings: list[str] = field(default_factory=list)  # done, but the operator should look

    def describe(self) -> str:
        parts = [f"{n} interchange(s) {status}" for status, n in sorted(self.interchanges.items())]
        parts += [f"{n} set(s) {status}" for status, n in sorted(self.sets.items())]
        return "; ".join([", ".join(parts) or "nothing read", *self.problems, *self.warnings])


def process_x12(session: Session, message: InboxMessage, *, replay: bool = False) -> Report:
    """Process ``message`` in ``session``'s transaction and set its status; the caller commits."""
    report = Report()
    message.attempts += 1
    try:
        vouched = None if message.account == ANY_PARTNER else get_partner(session, message.account)
        leniency = profile_leniency(vouched.profile) if vouched else _leniency_of_sender(session, message.body)
        pending: list[SetResult] = []
        verdicts: dict[int, GroupVerdict | None] = {}
        for item in check_stream(message.body, leniency):
            if isinstance(item, SetResult):
                if item.transaction.set_id in ACK_SETS:  # read now: segments are released after this step
                    verdicts[id(item.transaction)] = read_verdict(item.transaction)
                pending.append(item)
                continue
            _interchange(session, message, vouched, item.interchange, pending, verdicts, replay, report)
            pending, verdicts = [], {}
    except UnreadableInput as exc:
        report.problems.append(f"not X12: {exc}")
    except InputRejected as exc:  # unknown or invalid partner profile
        report.problems.append(str(exc))
    message.processed_at = utcnow()
    message.status = InboxStatus.FAILED if report.problems else InboxStatus.PROCESSED
    message.error = report.describe()[:4000]
    return report


def _leniency_of_sender(session: Session, body: bytes) -> Leniency:
    """The leniencies of the partner the first ISA names, for a file no transport vouched for."""
    try:
        first = next(event for event in read_events(body, Leniency(variable_width_isa=True), check=False))
    except (UnreadableInput, StopIteration):
        return STRICT
    if not isinstance(first, InterchangeStart):
        return STRICT
    interchange = first.interchange
    partner = find_by_sender(session, interchange.sender_qualifier, interchange.sender_id)
    return profile_leniency(partner.profile) if partner else STRICT


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
        report.problems.append(
            f"interchange {interchange.control_number} from {sender} was not processed: {why};"
            " set the partner up (`orderhub partner add`) and replay this message"
        )
        report.interchanges["unprocessed"] += 1
        return None
    return partner


def _interchange(
    session: Session,
    message: InboxMessage,
    vouched: PartnerRecord | None,
    interchange: Interchange,
    results: list[SetResult],
    verdicts: dict[int, GroupVerdict | None],
    replay: bool,
    report: Report,
) -> None:
    partner = _partner_for(session, vouched, interchange, report)
    if partner is None:
        return
    interchange.findings.extend(partner.profile.check_inbound(interchange))
    previous = previous_inbound(session, message.id, interchange) if replay else None
    duplicate = None
    if interchange.accepted and previous is None:
        duplicate = record_interchange(session, interchange, partner.id)
        if duplicate is not None:
            interchange.findings.append(duplicate)
    status = inbound_status(interchange, duplicate is not None)
    if previous is not None:
        row = previous
        row.status, row.error = status, None
        session.execute(delete(EdiTransaction).where(EdiTransaction.interchange_id == row.id))
    else:
        row = record_inbound(session, interchange, partner_id=partner.id, inbox_id=message.id, status=status)
    report.interchanges[status] += 1
    if duplicate is None:
        for result in results:
            _set(session, partner, message, row, result, verdicts.get(id(result.transaction)), report)
        for ta1 in interchange.acknowledgments:
            record_ta1(session, partner.id, ta1, row, utcnow())
    if row.answer_id is None:
        _answer(session, partner, interchange, row, report)


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
    verdict: GroupVerdict | None,
    report: Report,
) -> None:
    group, transaction = result.group, result.transaction
    where = f"set {transaction.set_id} {transaction.control_number} (group {group.control_number})"
    if not applicable(result):
        reasons = [f.message for f in (*transaction.findings, *group.findings, *result.interchange.findings) if f.fatal]
        error = "; ".join(reasons[:3]) or "its group was rejected"
        record_inbound_set(session, row, group, transaction, status="rejected", error=error)
        report.sets["rejected"] += 1
        return
    if transaction.set_id in ACK_SETS:
        updated = record_verdict(session, partner.id, verdict, row, utcnow()) if verdict else 0
        note = f"acknowledges {updated} set(s) we sent" if updated else "acknowledges nothing the hub sent"
        record_inbound_set(session, row, group, transaction, status="applied", error=None if updated else note)
        report.sets["applied"] += 1
        return
    if result.mapping_error:
        record_inbound_set(session, row, group, transaction, status="failed", error=result.mapping_error)
        report.sets["failed"] += 1
        report.problems.append(f"{where}: {result.mapping_error}")
        return
    if not result.documents:
        record_inbound_set(session, row, group, transaction, status="accepted")
        report.sets["accepted"] += 1
        return
    origin = SetOrigin(partner, message, result.interchange, group, transaction)
    for document in result.documents:
        outcome, error = _apply(session, document, origin)
        status = outcome.status if outcome else "failed"
        warning = outcome.warning if outcome else None
        record_inbound_set(
            session,
            row,
            group,
            transaction,
            status=status,
            reference=outcome.reference if outcome else None,
            document=document.model_dump(mode="json"),
            order_id=outcome.order_id if outcome else None,
            error=error or (outcome.note if outcome and outcome.status == "flagged" else None) or warning,
        )
        report.sets[status] += 1
        if error:
            report.problems.append(f"{where}: {error}")
        if warning:
            report.warnings.append(warning)


def _apply(session: Session, document: CanonicalModel, origin: SetOrigin) -> tuple[SetApplied | None, str | None]:
    try:
        with session.begin_nested():
            return apply_document(session, document, origin), None
    except UnknownOrder as exc:
        return None, str(exc)
