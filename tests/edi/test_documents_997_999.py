"""A 997 or 999 a partner sends to canonical functional_ack.v1 through the mapping x12/997 (x12/999), as
``orderhub edi parse`` shows it: the group acknowledged, every set listed (two listings of one control number
stay two), their segment and element errors, and the group's verdict and counts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hub.canonical import CanonicalModel, FunctionalAck
from hub.edi.documents import to_documents
from hub.edi.parse import parse_report
from hub.edi.reader import read_interchanges
from hub.edi.validate import validate
from hub.mapping import MappingInputError, load_mapping
from hub.mapping.functions import get_function
from tests.edi import x12text as x12
from tests.edi.mapped import mapped_documents, mapping_inputs
from tests.processes import hub_env

# A supplier's 997 for three 855s the hub sent in group 318: the first accepted, the second rejected for a bad
# BAK02 code, a BAK04 date and a missing ACK01, the third a repeat of the second's control number.
REJECTING_997 = x12.transaction(
    "997",
    "0042",
    "AK1*PR*318",
    "AK2*855*0001",
    "AK5*A",
    "AK2*855*0002",
    "AK3*BAK*2**8",
    "AK4*2*587*7*ZX",
    "AK4*4*373*8*20261340",
    "AK3*ACK*9*PO1*8",
    "AK4*1*668*1",
    "AK5*R*5",
    "AK2*855*0002",
    "AK5*R*23",
    "AK9*P*3*3*1",
)


def _report_document(data: bytes) -> dict[str, Any]:
    report = parse_report(data)
    (transaction,) = report["interchanges"][0]["groups"][0]["transactions"]
    assert transaction["accepted"] and transaction["errors"] == [], transaction["errors"]
    document: dict[str, Any] = transaction["document"]
    return document


def test_edi_parse_shows_a_997_as_a_functional_acknowledgment() -> None:
    document = _report_document(x12.interchange(x12.group("FA", 77, REJECTING_997, sender="WIDGETSUPPLY")))
    assert document["schema_version"] == "functional_ack.v1"
    assert (document["ack_set"], document["control_number"], document["sender"]) == ("997", "0042", "WIDGETSUPPLY")
    assert document["group"] == {"functional_id": "PR", "control_number": "318", "version": None}
    assert [(s["control_number"], s["status"], s["status_code"], s["codes"]) for s in document["sets"]] == [
        ("0001", "accepted", "A", []),
        ("0002", "rejected", "R", ["5"]),
        ("0002", "rejected", "R", ["23"]),  # listed twice: kept twice, in the order sent
    ]
    bak, ack = document["sets"][1]["segment_errors"]
    assert (bak["segment_id"], bak["position"], bak["loop_id"], bak["code"]) == ("BAK", 2, None, "8")
    assert bak["elements"] == [
        {
            "position": {"element": 2, "component": None, "repeat": None},
            "data_element": "587",
            "code": "7",
            "bad_value": "ZX",
        },
        {
            "position": {"element": 4, "component": None, "repeat": None},
            "data_element": "373",
            "code": "8",
            "bad_value": "20261340",
        },
    ]
    assert (ack["segment_id"], ack["position"], ack["loop_id"]) == ("ACK", 9, "PO1")
    assert ack["elements"] == [
        {
            "position": {"element": 1, "component": None, "repeat": None},
            "data_element": "668",
            "code": "1",
            "bad_value": None,
        }
    ]
    assert (document["status"], document["status_code"], document["codes"]) == ("partially_accepted", "P", [])
    counts = (document["sets_included"], document["sets_received"], document["sets_accepted"])
    assert counts == (3, 3, 1)
    assert document["test"] is False


def test_a_5010_997_keeps_versions_implementations_and_component_positions() -> None:
    ack = x12.transaction(
        "997",
        "0007",
        "AK1*PO*4410*005010",
        "AK2*850*0101*005010VICS",
        "AK3*REF*5**8",
        "AK4*4>2>1*128*7*ZZZ",
        "AK5*E*5",
        "AK9*E*1*1*1",
    )
    (document,) = mapped_documents(
        x12.interchange(x12.group("FA", 3, ack, version="005010"), version="00501", usage="T")
    )
    assert isinstance(document, FunctionalAck)
    assert (document.group.functional_id, document.group.control_number, document.group.version) == (
        "PO",
        "4410",
        "005010",
    )
    (listed,) = document.sets
    assert (listed.set_id, listed.control_number, listed.implementation, listed.status.value) == (
        "850",
        "0101",
        "005010VICS",
        "accepted_with_errors",
    )
    (element,) = listed.segment_errors[0].elements
    position = element.position
    assert (position.element, position.component, position.repeat, element.code, element.bad_value) == (
        4,
        2,
        1,
        "7",
        "ZZZ",
    )
    assert document.test is True


def test_a_group_rejected_without_set_loops() -> None:
    ack = x12.transaction("997", "0003", "AK1*IN*52", "AK9*R*2*2*0*5*4")
    (document,) = mapped_documents(x12.interchange(x12.group("FA", 4, ack)))
    assert isinstance(document, FunctionalAck)
    assert document.sets == []
    assert (document.status.value, document.codes, document.sets_accepted) == ("rejected", ["5", "4"], 0)


def test_an_unknown_verdict_code_names_the_field() -> None:
    (tree,) = mapping_inputs(x12.interchange(x12.group("FA", 77, REJECTING_997)))
    tree["AK2_loop"][0]["AK5"]["01"] = "Q"
    with pytest.raises(MappingInputError, match=r"field sets\[0\]\.status: 'Q' is not one of"):
        load_mapping("x12/997")(tree)


def test_x12_codes() -> None:
    codes = get_function("x12_codes")
    assert codes({"01": "R", "02": "5", "04": "23", "07": "9"}, first=2, last=6) == ["5", "23"]
    assert codes({"01": "A"}, first=2, last=6) is None
    assert codes(None, first=2, last=6) is None
    with pytest.raises(ValueError):
        codes(["AK5"], first=2, last=6)


def test_orderhub_edi_parse_prints_the_997_document(tmp_path: Path) -> None:
    path = tmp_path / "997.x12"
    path.write_bytes(x12.interchange(x12.group("FA", 77, REJECTING_997)))
    result = subprocess.run(
        [sys.executable, "-m", "hub", "edi", "parse", str(path)],
        env=hub_env(HUB_DATA_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    (transaction,) = report["interchanges"][0]["groups"][0]["transactions"]
    assert [listed["control_number"] for listed in transaction["document"]["sets"]] == ["0001", "0002", "0002"]
    assert report["acknowledgments"] == []  # an acknowledgment is never acknowledged


# -- 999 ------------------------------------------------------------------------------------------------------


def _999_documents(data: bytes) -> list[CanonicalModel]:
    documents = []
    for interchange in read_interchanges(data):
        for group in interchange.groups:
            for tx in group.transactions:
                findings = validate(tx, group.version, component=interchange.delimiters.component)
                assert not [f for f in findings if f.fatal], findings
                documents += to_documents(tx, group, interchange)
    return documents


# A clearinghouse-style 999 for two sets of group 1204: the first rejected (an NM1 in error, with context),
# the second accepted.
REJECTING_999 = x12.transaction(
    "999",
    "0001",
    "AK1*HC*1204*005010X222A1",
    "AK2*837*0021*005010X222A1",
    "IK3*NM1*12*2000*8",
    "CTX*CLM01:PATIENT-4471",
    "IK4*9*67*7*ZZ12",
    "CTX*SITUATIONAL TRIGGER*NM1*12*2000*8:1",
    "IK4*3:1*1035*1",
    "IK5*R*5",
    "AK2*837*0022*005010X222A1",
    "IK5*A",
    "AK9*P*2*2*1",
)


def _999_file() -> bytes:
    group = x12.group("FA", 5, REJECTING_999, version="005010X231A1")
    return x12.interchange(group, version="00501").replace(b"*>~", b"*:~", 1)  # ISA16 ':' as HIPAA files have


def test_a_999_maps_to_the_same_functional_acknowledgment() -> None:
    (document,) = _999_documents(_999_file())
    assert isinstance(document, FunctionalAck)
    assert (document.ack_set, document.group.functional_id, document.group.version) == ("999", "HC", "005010X222A1")
    assert [(s.control_number, s.implementation, s.status.value, s.codes) for s in document.sets] == [
        ("0021", "005010X222A1", "rejected", ["5"]),
        ("0022", "005010X222A1", "accepted", []),
    ]
    (segment,) = document.sets[0].segment_errors
    assert (segment.segment_id, segment.position, segment.loop_id, segment.code) == ("NM1", 12, "2000", "8")
    assert [
        (e.position.element, e.position.component, e.data_element, e.code, e.bad_value) for e in segment.elements
    ] == [(9, None, "67", "7", "ZZ12"), (3, 1, "1035", "1", None)]
    assert (document.status.value, document.sets_included, document.sets_received, document.sets_accepted) == (
        "partially_accepted",
        2,
        2,
        1,
    )


def test_orderhub_edi_parse_prints_the_999_document(tmp_path: Path) -> None:
    path = tmp_path / "999.x12"
    path.write_bytes(_999_file())
    result = subprocess.run(
        [sys.executable, "-m", "hub", "edi", "parse", str(path)],
        env=hub_env(HUB_DATA_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    (transaction,) = report["interchanges"][0]["groups"][0]["transactions"]
    assert transaction["accepted"], transaction["errors"]
    document = transaction["document"]
    assert (document["schema_version"], document["ack_set"], document["status"]) == (
        "functional_ack.v1",
        "999",
        "partially_accepted",
    )
    assert [(s["control_number"], s["status"]) for s in document["sets"]] == [
        ("0021", "rejected"),
        ("0022", "accepted"),
    ]
    assert report["acknowledgments"] == []


def test_a_999_with_note_codes_of_its_own_guide_is_kept_as_sent() -> None:
    data = _999_file().replace(b"IK3*NM1*12*2000*8~", b"IK3*NM1*12*2000*I9~").replace(b"IK5*R*5~", b"IK5*R*I77~")
    report = parse_report(data)
    (transaction,) = report["interchanges"][0]["groups"][0]["transactions"]
    assert transaction["accepted"]
    assert all(error["warning"] for error in transaction["errors"]), transaction["errors"]
    assert {error["value"] for error in transaction["errors"]} >= {"I77"}  # not in the list: a warning only
    rejected = transaction["document"]["sets"][0]
    assert (rejected["codes"], rejected["segment_errors"][0]["code"]) == (["I77"], "I9")
