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

from hub.canonical import FunctionalAck
from hub.edi.parse import parse_report
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
