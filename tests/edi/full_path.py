"""Running a real-shaped X12 file through the whole inbound path, for the file-by-file tests.

The partner is set up from the file itself (its first ISA and GS say who sends to whom, in which version and
usage), so each file is answered as the partner it claims to come from. Orders that the file's shipments,
acknowledgments and invoices report on are created first, as the hub would have them. What comes back is a
summary a test can compare whole: the message status, each interchange's and set's register status, the
documents' references, and the acknowledgment codes the hub queued (TA1 TA104/TA105, AK5/IK5 and AK9 per
group).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from hub.canonical import Order
from hub.channels.process import process_message
from hub.db.models import EdiInterchange, EdiTransaction
from hub.db.session import Database
from hub.edi.intake import store_x12
from hub.edi.parse import addressee_profile, parse_report
from hub.edi.partners import AckPolicy, PartnerProfile, save_partner
from hub.edi.reader import Leniency, read_interchanges
from hub.orders.store import add_order

EXAMPLE_ORDER = Path(__file__).resolve().parents[1] / "canonical" / "examples" / "order.v1.json"


@dataclass(frozen=True)
class Answer:
    ta1: tuple[str, str] | None  # TA104, TA105
    sets: tuple[tuple[str, ...], ...]  # per AK5/IK5: the status then the reasons
    groups: tuple[tuple[str, ...], ...]  # per AK9: status, declared, received, accepted, reasons


@dataclass(frozen=True)
class PathResult:
    inbox: str
    interchanges: tuple[str, ...]
    sets: tuple[tuple[str, str, str | None], ...]  # (set id, status, reference)
    answers: tuple[Answer, ...]
    error: str


def partner_from_file(data: bytes) -> PartnerProfile:
    """The partner the file's first interchange names, answered with a TA1 every time."""
    (first, *_) = read_interchanges(data, Leniency(variable_width_isa=True))
    profile = addressee_profile(first)
    return profile.model_copy(update={"acks": AckPolicy(ta1="always")})


def orders_reported_on(data: bytes) -> list[str]:
    """PO numbers the file's 855/856/945/810 documents name, other than those of orders in the file itself."""
    reported: list[str] = []
    ordered: set[str] = set()
    for interchange in parse_report(data)["interchanges"]:
        for group in interchange["groups"]:
            for transaction in group["transactions"]:
                shown = transaction["document"]
                for document in shown if isinstance(shown, list) else [shown] if shown else []:
                    po = document.get("po_number")
                    if document["schema_version"].startswith("order."):
                        ordered.add(po)
                    elif po and po not in reported:
                        reported.append(po)
    return [po for po in reported if po not in ordered]


def existing_order(po_number: str) -> Order:
    """An order the hub already holds, carrying ``po_number`` (from the canonical example order)."""
    data = json.loads(EXAMPLE_ORDER.read_text())
    data |= {"id": None, "channel_order_id": f"web-{po_number}", "po_number": po_number, "number": None}
    return Order.model_validate(data)


def answer_codes(text: str) -> Answer:
    segments = [s.strip() for s in re.split(r"~", text) if s.strip()]
    ta1, sets, groups = None, [], []
    for segment in segments:
        parts = segment.split("*")
        if parts[0] == "TA1":
            ta1 = (parts[4], parts[5])
        elif parts[0] in ("AK5", "IK5"):
            sets.append(tuple(parts[1:]))
        elif parts[0] == "AK9":
            groups.append(tuple(parts[1:]))
    return Answer(ta1, tuple(sets), tuple(groups))


def run_file(database: Database, data: bytes, *, shared_drop: bool = False) -> PathResult:
    """Process ``data`` as received from the partner it names; with ``shared_drop`` the file comes through a
    drop that serves several partners (a VAN mailbag), so every interchange's sender gets a partner and the
    ISA decides."""
    interchanges = read_interchanges(data, Leniency(variable_width_isa=True)) if shared_drop else [None]
    with database.session() as session:
        for number, interchange in enumerate(interchanges):
            profile = partner_from_file(interchange.raw if interchange is not None else data)
            save_partner(session, f"partner{number}", name="partner", kind="trading_partner", profile=profile)
        for po_number in orders_reported_on(data):
            add_order(session, existing_order(po_number), account="store")
        vouching = None if shared_drop else "partner0"
        inbox_id, _ = store_x12(session, source="mailbox", body=data, partner_id=vouching, name="file.x12")
    outcome = process_message(database, inbox_id)
    with database.session() as session:
        rows = session.scalars(
            select(EdiInterchange).where(EdiInterchange.inbox_message_id == inbox_id).order_by(EdiInterchange.id)
        ).all()
        sets = session.scalars(
            select(EdiTransaction)
            .where(EdiTransaction.interchange_id.in_([row.id for row in rows]))
            .order_by(EdiTransaction.id)
        ).all()
        answers = [session.get(EdiInterchange, i) for i in outcome.outbound]
        return PathResult(
            inbox=str(outcome.status),
            interchanges=tuple(row.status for row in rows),
            sets=tuple((row.set_id, row.status, row.reference) for row in sets),
            answers=tuple(answer_codes(answer.text or "") for answer in answers if answer is not None),
            error=outcome.detail,
        )
