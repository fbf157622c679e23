"""Acknowledgments partners send about what the hub sent them: 997/999 per functional group, TA1 per interchange.

A 997 names our group by AK101 (functional id) and AK102 (GS06), each set by AK202 (ST02) with its verdict in
AK501 (999: IK501) and the reasons in AK502-AK506. A set the 997 does not list takes the group's verdict
(AK901), as X12 allows an acknowledgment without AK2 loops when every set shares the group's fate; in a
partially accepted group (AK901 P) an unlisted set was accepted. A TA1 names our interchange by TA101 (ISA13);
TA104 R rejects every set in it.

The verdict lands on our outbound register (``edi_transactions`` rows with direction ``out``) as
``ack_status``: accepted (A), accepted_with_errors (E), rejected (R, M, W, X), plus the codes. Control numbers
are compared as numbers where they are numeric, since partners echo "000000123" for "123": the register keeps
GS06 without leading zeros and ISA13 as nine digits, and what a partner sends is put in that form first.
A rejected 940 also rejects the fulfillment order it carried (``hub.delivery.edi_fulfillment``).
Numeric means ASCII digits only: a "²" is a digit to Python but not to X12, and is kept as it came.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db.models import EdiInterchange, EdiTransaction
from hub.edi.model import Segment, Transaction

STATUS = {"A": "accepted", "E": "accepted_with_errors", "R": "rejected", "M": "rejected", "W": "rejected"}
STATUS |= {"X": "rejected", "P": "partially_accepted"}


@dataclass(frozen=True)
class SetVerdict:
    set_id: str  # AK201
    control_number: str  # AK202
    code: str  # AK501 / IK501
    reasons: tuple[str, ...]  # AK502-AK506 / IK502-IK506


@dataclass(frozen=True)
class GroupVerdict:
    functional_id: str  # AK101
    control_number: str  # AK102
    code: str  # AK901
    reasons: tuple[str, ...]  # AK905-AK909
    sets: tuple[SetVerdict, ...]


def group_number(text: str) -> str:
    """GS06 as the register keeps it: digits without leading zeros (how the hub writes it)."""
    text = text.strip()
    return str(int(text)) if text.isascii() and text.isdigit() else text


def interchange_number(text: str) -> str:
    """ISA13 as the register keeps it: nine digits."""
    text = text.strip()
    return text.zfill(9) if text.isascii() and text.isdigit() else text


def read_verdict(transaction: Transaction) -> GroupVerdict | None:
    """The verdict a 997 or 999 set carries; None when it has no AK1 (a set that validation already refused)."""
    group: tuple[str, str] | None = None
    sets: list[SetVerdict] = []
    current: tuple[str, str] | None = None
    code, reasons = "", ()
    for segment in transaction.segments:
        sid = segment.id
        if sid == "AK1":
            group = (segment.element(1), segment.element(2))
        elif sid == "AK2":
            current = (segment.element(1), segment.element(2))
        elif sid in ("AK5", "IK5") and current is not None:
            sets.append(SetVerdict(*current, segment.element(1), _reasons(segment, 2, 6)))
            current = None
        elif sid == "AK9":
            code, reasons = segment.element(1), _reasons(segment, 5, 9)
    if group is None:
        return None
    return GroupVerdict(group[0], group[1], code, reasons, tuple(sets))


def _reasons(segment: Segment, first: int, last: int) -> tuple[str, ...]:
    return tuple(code for code in (segment.element(n) for n in range(first, last + 1)) if code)


def record_verdict(
    session: Session, partner_id: str, verdict: GroupVerdict, answer: EdiInterchange, now: datetime
) -> int:
    """Put the verdict on our outbound sets of that group; returns how many were updated (0: unknown group)."""
    rows = session.scalars(
        select(EdiTransaction).where(
            EdiTransaction.partner_id == partner_id,
            EdiTransaction.direction == "out",
            EdiTransaction.group_control_number == group_number(verdict.control_number),
            EdiTransaction.functional_id == verdict.functional_id,
        )
    ).all()
    listed = {set_verdict.control_number.strip().lstrip("0"): set_verdict for set_verdict in verdict.sets}
    for row in rows:
        own = listed.get(row.control_number.strip().lstrip("0"))
        if own is not None:
            code, reasons = own.code, own.reasons
        else:
            code = "A" if verdict.code == "P" else verdict.code
            reasons = verdict.reasons if code != "A" else ()
        row.ack_status = STATUS.get(code, "rejected")
        row.ack_codes = [code, *reasons]
        row.acknowledged_at = now
        row.ack_interchange_id = answer.id
    _rejected(session, rows)
    return len(rows)


def record_ta1(session: Session, partner_id: str, ta1: Segment, answer: EdiInterchange, now: datetime) -> bool:
    """Note a TA1 on the outbound interchange it names; a rejection (TA104 R) rejects each of its sets."""
    number, code, note = ta1.element(1), ta1.element(4), ta1.element(5)
    target = session.scalars(
        select(EdiInterchange).where(
            EdiInterchange.partner_id == partner_id,
            EdiInterchange.direction == "out",
            EdiInterchange.control_number == interchange_number(number),
        )
    ).first()
    if target is None:
        return False
    target.ta1_code = note or code
    if code == "R":
        rows = session.scalars(select(EdiTransaction).where(EdiTransaction.interchange_id == target.id)).all()
        for row in rows:
            row.ack_status, row.ack_codes = "rejected", ["TA1", note]
            row.acknowledged_at, row.ack_interchange_id = now, answer.id
        _rejected(session, rows)
    return True


def _rejected(session: Session, rows: Sequence[EdiTransaction]) -> None:
    """A set the partner rejected may be a 940 carrying a fulfillment order to an X12 3PL, or an 850 to a
    drop-ship supplier: the fulfillment order is rejected too."""
    from hub.delivery.edi_fulfillment import partner_rejected  # late: hub.delivery builds on hub.edi
    from hub.delivery.purchase_orders import cancellations_rejected
    from hub.edi.supplier_answers import purchase_orders_rejected

    partner_rejected(session, [row for row in rows if row.ack_status == "rejected"])
    purchase_orders_rejected(session, [row for row in rows if row.ack_status == "rejected"])
    cancellations_rejected(session, [row for row in rows if row.ack_status == "rejected"])
