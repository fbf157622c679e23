"""Code lists as partners meet them: a value missing from an open list (qualifiers, entity codes, units) is
noted and the set accepted; a closed list (what the document is) still rejects; strict partners hear of the
notes in their 997 with exact AK3/AK4 codes, and a profile sets single elements apart either way."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from hub.db.models import EdiInterchange, EdiTransaction
from hub.db.session import Database
from hub.edi.functional_acks import STATUS
from hub.edi.parse import parse_report
from hub.edi.partners import PartnerProfile, parse_profile, save_partner
from hub.edi.spec import SPEC_DIR, ElementSpec, SpecError, iter_refs, load_library
from tests.edi.test_inbound import answers, receive
from tests.edi.test_inbound import profile as profile_data
from tests.edi.x12text import group, interchange, transaction

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings" / "x12"

# A retail 850 carrying codes of the standard (and one of the partner's own) that the hub's lists lack:
# REF01 PS, a partner-private REF01 Z9, DTM01 015 (promotion start), N101 FR (message from),
# PO103 SH (sheet) and PO106 MN (model number).
PURCHASE_ORDER = [
    "BEG*00*SA*PO-5521**20261120",  # 2
    "REF*PS*88123",  # 3
    "REF*IA*5566",  # 4
    "REF*Z9*ACME-LANE-7",  # 5
    "DTM*002*20261201",  # 6
    "DTM*015*20261124",  # 7
    "N1*ST*ACME DC 4*92*0004",  # 8
    "N3*1200 INDUSTRIAL PKWY",  # 9
    "N4*COLUMBUS*OH*43215*US",  # 10
    "N1*FR*ACME BUYING OFFICE",  # 11
    "PO1*1*12*SH*9.50**MN*WX-100*VN*ABC-1",  # 12
    "PID*F****WIDGET SHEET",  # 13
    "CTT*1",  # 14
]
WARNED = [
    ("REF", 3, "01", "128", "PS"),
    ("REF", 5, "01", "128", "Z9"),
    ("DTM", 7, "01", "374", "015"),
    ("N1", 11, "01", "98", "FR"),
    ("PO1", 12, "03", "355", "SH"),
    ("PO1", 12, "06", "235", "MN"),
]
AK_REF = ["AK3*REF*3**8~", "AK4*1*128*7*PS~", "AK3*REF*5**8~", "AK4*1*128*7*Z9~"]
AK_DTM = ["AK3*DTM*7**8~", "AK4*1*374*7*015~"]
AK_N1 = ["AK3*N1*11*N1*8~", "AK4*1*98*7*FR~"]
AK_PO1_UNIT = "AK4*3*355*7*SH~"
AK_PO1_ID = "AK4*6*235*7*MN~"


def purchase_order(*segments: str) -> bytes:
    return interchange(group("PO", 7, transaction("850", "0001", *(segments or PURCHASE_ORDER))))


def a_profile(**changes: Any) -> PartnerProfile:
    return parse_profile(profile_data(**changes))


def acknowledgment_body(report: dict[str, Any]) -> list[str]:
    """The 997's lines from AK2 to AK9."""
    (text,) = report["acknowledgments"]
    lines = text.splitlines()
    return lines[lines.index("AK2*850*0001~") : -3]


# -- the lists as data ----------------------------------------------------------------------------------


def test_closed_lists_are_the_codes_that_say_what_a_document_is_and_the_rest_are_open() -> None:
    lists = load_library().code_lists
    closed = {ref for ref, is_open in lists.items() if not is_open}
    purposes_and_types = {"BEG01", "BEG02", "BAK01", "BAK02", "ACK01", "BSN01", "BIG07", "BIG08", "BIA01"}
    purposes_and_types |= {"BCH01", "BCH02", "POC02"}  # the 860: what it changes, and what happens to a line
    warehouse_and_structure = {"W0501", "W0601", "HL03", "HL04", "SAC01", "PID01", "PID08", "SLN03", "SLN08"}
    acknowledgments = {"AK304", "AK403", "AK501", "AK901", "IK501"} | {f"AK50{n}" for n in range(2, 7)}
    acknowledgments |= {f"AK90{n}" for n in range(5, 10)}
    assert closed == purposes_and_types | warehouse_and_structure | acknowledgments | {"ST01", "TXI07"}
    qualifiers = ["REF01", "REF04-1", "N901", "DTM01", "N101", "N103", "PO103", "PO106", "PO108", "IT103"]
    qualifiers += ["IT106", "LIN02", "SN103", "QTY03-1", "TD504", "MAN01", "PER03", "AMT01", "SN108", "W1201"]
    assert all(lists[ref] for ref in qualifiers)


def test_every_code_a_mapping_translates_is_in_the_closed_list_it_reads() -> None:
    """A code the mappings turn into meaning must be one validation lets through, from a closed list."""

    def codes(set_id: str, ref: str) -> frozenset[str]:
        spec = load_library().get(set_id, "004010")
        (element,) = {e for r in iter_refs(spec.body) for e in r.segment.elements if e.ref == ref}
        assert isinstance(element, ElementSpec) and element.codes is not None and not element.open_codes, ref
        return element.codes

    tables = {name: yaml.safe_load((MAPPINGS / f"{name}.yaml").read_text())["tables"] for name in ("850", "855")}
    assert set(tables["850"]["purpose"]) <= codes("850", "BEG01")
    assert set(tables["855"]["ack_types"]) <= codes("855", "BAK02")
    assert set(tables["855"]["line_statuses"]) <= codes("855", "ACK01")
    assert set(STATUS) - {"P"} <= codes("997", "AK501") and set(STATUS) <= codes("997", "AK901")


@pytest.mark.parametrize(
    ("file", "old", "new", "where"),
    [
        ("elements.yaml", "Reference Identification Qualifier | open 11", "Reference Identification Qualifier | 11",
         "element 128"),
        ("850.yaml", "BEG01: closed 00", "BEG01: 00", "codes: BEG01"),
        ("850.yaml", "AMT01: open 1 GV N TT ZZ", "AMT01: open", "codes: AMT01"),
    ],
)  # fmt: skip
def test_a_code_list_that_does_not_say_closed_or_open_is_refused(
    tmp_path: Path, file: str, old: str, new: str, where: str
) -> None:
    folder = tmp_path / "specs"
    shutil.copytree(SPEC_DIR, folder)
    text = (folder / file).read_text()
    assert old in text
    (folder / file).write_text(text.replace(old, new, 1))
    with pytest.raises(SpecError) as caught:
        load_library(folder)
    message = str(caught.value)
    assert file in message and where in message
    assert "'closed' or 'open'" in message or "has no codes" in message


# -- what the partner gets --------------------------------------------------------------------------------


def test_unlisted_codes_in_open_lists_are_accepted_and_shown_by_edi_parse() -> None:
    report = parse_report(purchase_order())
    (shown,) = report["interchanges"][0]["groups"][0]["transactions"]
    assert shown["accepted"] is True
    assert shown["document"]["po_number"] == "PO-5521"
    assert shown["document"]["lines"][0]["quantity"] == 12
    warnings = [
        (e["segment"], e["position"], e["element"], e["data_element"], e["value"])
        for e in shown["errors"]
        if e.get("warning") and e.get("code_list") == "open" and e["code"] == "7"
    ]
    assert warnings == WARNED
    assert len(shown["errors"]) == len(WARNED)
    assert "'PS' is not among the REF01 (Reference Identification Qualifier) codes" in shown["errors"][0]["message"]
    assert acknowledgment_body(report) == ["AK2*850*0001~", "AK5*A~", "AK9*A*1*1*1~"]


def test_a_strict_partner_gets_each_unlisted_code_as_ak4_7_and_the_set_accepted_with_errors() -> None:
    report = parse_report(purchase_order(), profile=a_profile(strict_codes=True))
    (shown,) = report["interchanges"][0]["groups"][0]["transactions"]
    assert shown["accepted"] is True and shown["document"]["po_number"] == "PO-5521"
    assert acknowledgment_body(report) == [
        "AK2*850*0001~",
        *AK_REF,
        *AK_DTM,
        *AK_N1,
        "AK3*PO1*12*PO1*8~",
        AK_PO1_UNIT,
        AK_PO1_ID,
        "AK5*E*5~",
        "AK9*E*1*1*1~",
    ]


def test_a_profile_loosens_or_tightens_single_elements() -> None:
    loosened = a_profile(strict_codes=True, codes={"REF01": "open", "PO103": "open"})
    assert acknowledgment_body(parse_report(purchase_order(), profile=loosened)) == [
        "AK2*850*0001~",
        *AK_DTM,
        *AK_N1,
        "AK3*PO1*12*PO1*8~",
        AK_PO1_ID,
        "AK5*E*5~",
        "AK9*E*1*1*1~",
    ]
    tightened = a_profile(codes={"N101": "strict"})
    assert acknowledgment_body(parse_report(purchase_order(), profile=tightened)) == [
        "AK2*850*0001~",
        *AK_N1,
        "AK5*E*5~",
        "AK9*E*1*1*1~",
    ]
    # a partner that only wants notes on elements it does not use sees a plain acceptance
    quiet = a_profile(codes={"N901": "strict"})
    assert acknowledgment_body(parse_report(purchase_order(), profile=quiet))[1] == "AK5*A~"


def test_an_unknown_code_in_a_closed_list_still_rejects_the_set_with_its_other_notes_only_if_strict() -> None:
    segments = ["BEG*99*SA*PO-5521**20261120", *PURCHASE_ORDER[1:]]
    lenient = parse_report(purchase_order(*segments))
    (shown,) = lenient["interchanges"][0]["groups"][0]["transactions"]
    assert shown["accepted"] is False and shown["document"] is None
    assert acknowledgment_body(lenient) == [
        "AK2*850*0001~",
        "AK3*BEG*2**8~",
        "AK4*1*353*7*99~",
        "AK5*R*5~",
        "AK9*R*1*1*0~",
    ]
    strict = acknowledgment_body(parse_report(purchase_order(*segments), profile=a_profile(strict_codes=True)))
    assert strict[:3] == ["AK2*850*0001~", "AK3*BEG*2**8~", "AK4*1*353*7*99~"]
    assert strict[3:5] == AK_REF[:2] and strict[-2:] == ["AK5*R*5~", "AK9*R*1*1*0~"]


def test_an_unknown_order_type_and_acknowledgment_answer_are_rejected() -> None:
    segments = ["BEG*00*QX*PO-5521**20261120", *PURCHASE_ORDER[1:]]
    assert "AK4*2*92*7*QX~" in acknowledgment_body(parse_report(purchase_order(*segments)))
    ack = transaction("855", "0001", "BAK*00*QQ*PO-5521*20261120", "PO1*1*12*EA*9.50**VN*ABC-1", "ACK*IA*12*EA")
    report = parse_report(interchange(group("PR", 8, ack)))
    (text,) = report["acknowledgments"]
    assert "AK4*2*587*7*QQ~" in text and "AK5*R*5~" in text


# -- the whole inbound path ---------------------------------------------------------------------------------


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_through_the_hub_the_order_is_applied_and_the_register_names_the_codes(
    database: Database, strict: bool
) -> None:
    with database.session() as session:
        partner = a_profile(strict_codes=strict)
        save_partner(session, "acme", name="Acme Retail", kind="trading_partner", profile=partner)
    inbox_id, outcome = receive(database, purchase_order())
    assert outcome.status == "processed", outcome.detail
    with database.session() as session:
        (row,) = session.scalars(
            select(EdiTransaction)
            .join(EdiInterchange, EdiInterchange.id == EdiTransaction.interchange_id)
            .where(EdiInterchange.inbox_message_id == inbox_id)
        )
        assert (row.status, row.reference) == ("applied", "PO-5521")
        assert row.error is not None
        assert "REF01 'PS' at segment 3" in row.error and "PO106 'MN' at segment 12" in row.error
    (ack,) = answers(database, outcome)
    if strict:
        assert "AK3*REF*3**8~\nAK4*1*128*7*PS~" in ack and "AK5*E*5~" in ack and "AK9*E*1*1*1~" in ack
    else:
        assert "AK3" not in ack and "AK5*A~" in ack and "AK9*A*1*1*1~" in ack
