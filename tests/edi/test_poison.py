"""X12 that once made the hub raise instead of answering: characters Python takes for digits in numeric,
date and control-number elements, and faults of the hub's own anywhere in the inbound path. Each message ends
with a status and a reason, and the partner gets the TA1 or 997 it is owed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

import hub.edi.inbound
import hub.edi.pipeline
from hub.channels.process import process_message
from hub.db.models import EdiInterchange, EdiTransaction, InboxMessage, OrderRecord
from hub.db.session import Database
from hub.edi.parse import parse_report
from hub.edi.partners import parse_profile, save_partner
from tests.edi.test_inbound import answers, orders, profile, receive, register
from tests.edi.x12text import group, interchange, purchase_order

SUPERSCRIPT_TWO = "\u00b2"


@pytest.fixture
def acme(database: Database) -> Database:
    with database.session() as session:
        save_partner(session, "acme", name="Acme Retail", kind="trading_partner", profile=parse_profile(profile()))
    return database


def _po(po_number: str, date: str = "20261120", control_number: str = "0001") -> str:
    return purchase_order(po_number, ("VN:SKU-1", 2, "3.50"), control_number=control_number).replace(
        "**20261120", f"**{date}"
    )


def _latin1(text: bytes) -> bytes:
    return text.decode("utf-8").encode("latin-1")


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8"])
def test_a_superscript_digit_in_a_date_is_an_invalid_date_of_that_element(acme: Database, encoding: str) -> None:
    bad = _po("PO-SUP", date=f"2026112{SUPERSCRIPT_TWO}")
    body = interchange(group("PO", 1, bad, _po("PO-OK", control_number="0002"))).decode().encode(encoding)
    inbox_id, outcome = receive(acme, body)
    assert outcome.status == "processed", outcome.detail
    assert register(acme, inbox_id) == [("850", "0001", None, "rejected"), ("850", "0002", "PO-OK", "applied")]
    (ack,) = answers(acme, outcome)
    # AK3 on BEG (position 2), AK4 on BEG05 (data element 373): 8, invalid date, with the bad value
    assert f"AK3*BEG*2**8~\nAK4*5*373*8*2026112{SUPERSCRIPT_TWO}~\nAK5*R*5~" in ack
    assert "AK9*P*2*2*1~" in ack
    report = parse_report(body)
    (bad_set, good_set) = report["interchanges"][0]["groups"][0]["transactions"]
    assert [(e["segment"], e["element"], e["code"]) for e in bad_set["errors"] if e["level"] == "element"] == [
        ("BEG", "05", "8")
    ]
    assert good_set["accepted"] and good_set["document"]["po_number"] == "PO-OK"


def test_control_numbers_with_superscript_digits_are_envelope_errors_not_crashes(acme: Database) -> None:
    # GS06 and GE02 "10²": AK9 6 (GS06 is not a control number), the group rejected, answered all the same
    text = group("PO", 1, _po("PO-A")).replace("*1*X*004010", f"*10{SUPERSCRIPT_TWO}*X*004010")
    text = text.replace("GE*1*1~", f"GE*1*10{SUPERSCRIPT_TWO}~")
    inbox_id, outcome = receive(acme, _latin1(interchange(text)))
    assert outcome.status == "processed", outcome.detail
    assert register(acme, inbox_id) == [("850", "0001", None, "rejected")]
    (ack,) = answers(acme, outcome)
    assert "AK5*R~" in ack and "AK9*R*1*1*0*6~" in ack
    # GE01 "²": AK9 5, declaring the count received since the sender's is no number
    counted = group("PO", 2, _po("PO-B")).replace("GE*1*2~", f"GE*{SUPERSCRIPT_TWO}*2~")
    inbox_id, outcome = receive(acme, _latin1(interchange(counted, control_number=102)))
    assert outcome.status == "processed", outcome.detail
    (ack,) = answers(acme, outcome)
    assert "AK9*R*1*1*0*5~" in ack
    assert orders(acme) == {}


def test_an_isa13_with_a_superscript_digit_is_answered_ta1_018(acme: Database) -> None:
    body = interchange(group("PO", 1, _po("PO-C")), ack_requested=True)
    body = body.replace(b"*000000101*1*P", "*00000010\u00b2*1*P".encode()).replace(
        b"IEA*1*000000101", "IEA*1*00000010\u00b2".encode()
    )
    _, outcome = receive(acme, _latin1(body))
    assert outcome.status == "processed", outcome.detail
    (ack,) = answers(acme, outcome)
    assert f"TA1*00000010{SUPERSCRIPT_TWO}*261122*0930*R*018~" in ack


def _boom(*_: Any, **__: Any) -> Any:
    raise RuntimeError("simulated fault")


def test_a_fault_of_the_apply_step_fails_that_set_and_the_partner_still_gets_the_997(
    acme: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = hub.edi.inbound.apply_document

    def apply_or_fail(session: Any, document: Any, origin: Any) -> Any:
        if getattr(document, "po_number", None) == "PO-BAD":
            raise ValueError("invalid literal for int() with base 10: '\u00b2'")
        return real(session, document, origin)

    monkeypatch.setattr(hub.edi.inbound, "apply_document", apply_or_fail)
    body = interchange(group("PO", 1, _po("PO-BAD"), _po("PO-GOOD", control_number="0002")))
    inbox_id, outcome = receive(acme, body)
    assert outcome.status == "failed"
    assert "the hub could not apply it: ValueError: invalid literal for int()" in outcome.detail
    assert register(acme, inbox_id) == [("850", "0001", None, "failed"), ("850", "0002", "PO-GOOD", "applied")]
    assert set(orders(acme)) == {"PO-GOOD"}
    (ack,) = answers(acme, outcome)
    assert "AK9*A*2*2*2~" in ack  # both sets are sound X12: the fault is the hub's, reported to the operator


def test_a_fault_of_a_mapping_fails_the_message_answers_and_a_replay_answers_again(
    acme: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub.edi.pipeline, "to_documents", _boom)
    inbox_id, outcome = receive(acme, interchange(group("PO", 1, _po("PO-M"))))
    assert outcome.status == "failed" and "the hub failed on it: RuntimeError: simulated fault" in outcome.detail
    assert register(acme, inbox_id) == [("850", "0001", None, "failed")]
    assert len(answers(acme, outcome)) == 1
    with acme.session() as session:
        row = session.scalars(select(EdiInterchange).where(EdiInterchange.direction == "in")).one()
        assert row.status == "failed" and "RuntimeError: simulated fault" in (row.error or "")
    monkeypatch.undo()
    replayed = process_message(acme, inbox_id, replay=True)
    assert replayed.status == "processed", replayed.detail
    assert set(orders(acme)) == {"PO-M"}
    assert len(replayed.outbound) == 1  # the first answer was made while the hub was failing: answered again


def test_a_fault_of_the_validator_rejects_that_set_and_the_rest_is_applied(
    acme: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = hub.edi.pipeline.validate

    def validate_or_fail(transaction: Any, *args: Any, **kwargs: Any) -> Any:
        if transaction.control_number == "0001":
            raise RecursionError("maximum recursion depth exceeded")
        return real(transaction, *args, **kwargs)

    monkeypatch.setattr(hub.edi.pipeline, "validate", validate_or_fail)
    body = interchange(group("PO", 1, _po("PO-V1"), _po("PO-V2", control_number="0002")))
    inbox_id, outcome = receive(acme, body)
    assert outcome.status == "failed" and "RecursionError: maximum recursion depth exceeded" in outcome.detail
    assert register(acme, inbox_id) == [("850", "0001", None, "failed"), ("850", "0002", "PO-V2", "applied")]
    (ack,) = answers(acme, outcome)
    assert "AK2*850*0001~\nAK5*R~" in ack and "AK9*P*2*2*1~" in ack


def test_a_fault_that_escapes_the_whole_path_still_fails_the_message_and_answers_ta1(
    acme: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub.edi.inbound, "record_inbound_set", _boom)
    body = interchange(group("PO", 1, _po("PO-X")), ack_requested=False)
    inbox_id, outcome = receive(acme, body)
    assert outcome.status == "failed"
    assert outcome.detail.startswith("could not be processed: RuntimeError: simulated fault")
    (ack,) = answers(acme, outcome)
    assert "TA1*000000101*261122*0930*R*024~" in ack and "GS*" not in ack
    with acme.session() as session:
        message = session.get(InboxMessage, inbox_id)
        assert message is not None and message.status == "failed" and message.attempts == 1
        assert session.scalars(select(OrderRecord)).all() == []
        assert session.scalars(select(EdiTransaction)).all() == []
        row = session.scalars(select(EdiInterchange).where(EdiInterchange.direction == "in")).one()
        assert (row.status, row.ta1_code, row.answer_id) == ("failed", "024", outcome.outbound[0])
    monkeypatch.undo()
    replayed = process_message(acme, inbox_id, replay=True)
    assert replayed.status == "processed" and set(orders(acme)) == {"PO-X"}
    (again,) = answers(acme, replayed)  # the TA1 R was the hub's failure: the replay answers with the 997
    assert "AK9*A*1*1*1~" in again
