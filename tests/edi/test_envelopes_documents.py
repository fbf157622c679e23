"""Envelopes a reader must survive, seen as a user sees them: ``orderhub edi parse`` turns every purchase order
in each sample into an order with its PO number and lines, the hub acknowledges every group, and the whole
inbound path applies the orders. ISA12 is the envelope's version and GS08 the group's: only GS08 decides
whether a set can be read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub.db.session import Database
from hub.edi.parse import parse_report
from tests.edi import interchange, po_set
from tests.edi.full_path import run_file
from tests.edi.test_cli_edi import orderhub

ENVELOPES = Path(__file__).parent / "samples" / "envelopes"

# ids of the lines a sample's orders hold: vendor part (the SKU), UPC, quantity
PENDANT = ("LL-PEND-BR", "036000291452", 48)
FLOOR = ("LL-FLR-BLK", "036000291469", 10)
SCONCE = ("LL-SCN-6PK", "036000291476", 6)
BULBS = ("LL-LED-A19", "036000291483", 120)
STRIP = ("LL-STRIP-5M", "036000291490", 30)

# sample -> per interchange: (ISA13, ISA12, GS08, {PO number: lines})
ORDERS: dict[str, list[tuple[str, str, str, dict[str, list[tuple[str, str, int]]]]]] = {
    "850_cp037_nl_terminators.x12": [
        ("000000501", "00401", "004010", {"HH-778120": [PENDANT, FLOOR], "HH-778121": [BULBS]}),
        ("000000502", "00401", "004010", {"HH-778122": [SCONCE]}),
    ],
    "850_pipe_one_line_00305.x12": [
        ("000000733", "00305", "004010", {"HH-780455": [STRIP, BULBS]}),
    ],
    "mailbag_changing_delimiters.x12": [
        ("000000611", "00401", "004010", {"HH-781001": [PENDANT]}),
        ("000000612", "00305", "004010", {"HH-781002": [FLOOR, SCONCE]}),
        ("000000613", "00501", "005010", {"HH-781003": [BULBS, STRIP]}),
        ("000000614", "00401", "004010VICS", {"HH-781004": [SCONCE, PENDANT, STRIP]}),
    ],
    "850_indented_segments.x12": [
        ("000000801", "00401", "004010", {"HH-782210": [FLOOR, BULBS]}),
    ],
}


def orders_in(report: dict[str, Any]) -> list[tuple[str, str, str, dict[str, list[tuple[str, str, int]]]]]:
    """What a report says of each interchange, in the shape of ``ORDERS``; only sets accepted without errors
    and mapped to an order count."""
    found = []
    for ix in report["interchanges"]:
        for group in ix["groups"]:
            orders = {}
            for t in group["transactions"]:
                document = t["document"] if t["accepted"] and not t["errors"] else None
                if document is not None and document["schema_version"] == "order.v1":
                    lines = [(line["sku"], line["identifiers"]["upc"], line["quantity"]) for line in document["lines"]]
                    orders[document["po_number"]] = lines
            found.append((ix["control_number"], ix["version"], group["version"], orders))
    return found


def acknowledged(report: dict[str, Any]) -> list[list[str]]:
    """The AK9 of every 997 the hub answers with, per answer."""
    answers = report["acknowledgments"]
    return [[s.strip() for s in answer.split("~") if s.strip().startswith("AK9")] for answer in answers]


@pytest.mark.parametrize("name", sorted(ORDERS))
def test_every_order_in_the_sample_is_read_and_acknowledged(name: str) -> None:
    report = parse_report((ENVELOPES / name).read_bytes())
    assert orders_in(report) == ORDERS[name]
    assert [ix["accepted"] for ix in report["interchanges"]] == [True] * len(ORDERS[name])
    assert [ix["errors"] for ix in report["interchanges"]] == [[]] * len(ORDERS[name])
    assert acknowledged(report) == [[f"AK9*A*{len(orders)}*{len(orders)}*{len(orders)}"] for *_, orders in ORDERS[name]]


def test_the_order_keeps_what_its_segments_say() -> None:
    """Read through NL terminators in EBCDIC: the ship-to, the prices and the dates, not only the ids."""
    report = parse_report((ENVELOPES / "850_cp037_nl_terminators.x12").read_bytes())
    order = report["interchanges"][0]["groups"][0]["transactions"][0]["document"]
    assert (order["po_number"], order["source_partner"], order["placed_at"]) == (
        "HH-778120",
        "HARBORHOME",
        "2024-03-12T00:00:00Z",
    )
    ship_to = order["ship_to"]
    assert (ship_to["name"], ship_to["line1"], ship_to["city"], ship_to["postal_code"]) == (
        "HARBOR HOME DC02",
        "455 RIVERGATE BLVD",
        "ALLENTOWN",
        "18106",
    )
    assert [(line["unit_price"]["amount"], line["name"]) for line in order["lines"]] == [
        ("12.40", "PENDANT LAMP BRASS"),
        ("89.00", "FLOOR LAMP BLACK"),
    ]
    assert order["totals"]["total"]["amount"] == "1485.20" and order["requested_delivery_date"] == "2024-03-26"


# ISA12 values from the oldest the hub knows to the newest, and past it; GS08 values the hub has specs for
CONTROL_VERSIONS = ["00200", "00305", "00401", "00403", "00501", "00801"]
GROUP_VERSIONS = ["004010", "004010VICS", "005010", "005010UCS"]


@pytest.mark.parametrize("gs08", GROUP_VERSIONS)
@pytest.mark.parametrize("isa12", CONTROL_VERSIONS)
def test_a_group_is_read_by_its_gs08_whatever_the_isa12(isa12: str, gs08: str) -> None:
    gs = f"GS*PO*ACMERETAIL*WIDGETSUPPLY*20240105*1230*101*X*{gs08}"
    report = parse_report(interchange(po_set("0001", lines=2), gs=gs, version=isa12).encode())
    [ix] = report["interchanges"]
    assert (ix["version"], ix["accepted"], ix["errors"]) == (isa12, True, [])
    [po] = ix["groups"][0]["transactions"]
    assert (po["accepted"], po["errors"], po["document"]["po_number"]) == (True, [], "4500012345")
    assert [line["quantity"] for line in po["document"]["lines"]] == [24, 24]
    assert acknowledged(report) == [["AK9*A*1*1*1"]]


@pytest.mark.parametrize("isa12", ["00900", "00100", "4010 ", "ABCDE"])
def test_an_unknown_isa12_is_a_warning_and_the_orders_still_come(isa12: str) -> None:
    """TA1 017 says the control version is not one the hub knows, with TA104 E: the interchange is taken."""
    report = parse_report(interchange(po_set(), version=isa12).encode())
    [ix] = report["interchanges"]
    [warning] = ix["errors"]
    assert (warning["code"], warning["element"], warning["value"], warning["warning"]) == ("017", "12", isa12, True)
    assert "its groups are read all the same" in warning["message"] and ix["accepted"]
    [po] = ix["groups"][0]["transactions"]
    assert (po["accepted"], po["document"]["po_number"]) == (True, "4500012345")
    [answer] = report["acknowledgments"]
    assert "*E*017~" in answer and "AK9*A*1*1*1~" in answer


@pytest.mark.parametrize("isa12", ["00305", "00401", "00501"])
def test_a_group_version_the_hub_has_no_spec_for_is_refused_whatever_the_isa12(isa12: str) -> None:
    gs = "GS*PO*ACMERETAIL*WIDGETSUPPLY*20240105*1230*101*X*003050"
    report = parse_report(interchange(po_set(), gs=gs, version=isa12).encode())
    [po] = report["interchanges"][0]["groups"][0]["transactions"]
    assert (po["accepted"], po["document"], [e["code"] for e in po["errors"]]) == (False, None, ["1"])
    assert "GS08 version '003050' is not supported" in po["errors"][0]["message"]


@pytest.mark.parametrize("name", sorted(ORDERS))
def test_the_whole_inbound_path_applies_every_order(database: Database, name: str) -> None:
    result = run_file(database, (ENVELOPES / name).read_bytes())
    expected = [po for *_, orders in ORDERS[name] for po in orders]
    assert (result.inbox, list(result.interchanges)) == ("processed", ["accepted"] * len(ORDERS[name])), result.error
    assert [list(entry) for entry in result.sets] == [["850", "applied", po] for po in expected], result.error
    assert [(a.ta1, [len(a.sets)], [g[0] for g in a.groups]) for a in result.answers] == [
        (("A", "000"), [len(orders)], ["A"]) for *_, orders in ORDERS[name]
    ]


def test_orderhub_edi_parse_on_a_mailbag_of_changing_delimiters(tmp_path: Path) -> None:
    result = orderhub("edi", "parse", str(ENVELOPES / "mailbag_changing_delimiters.x12"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert orders_in(report) == ORDERS["mailbag_changing_delimiters.x12"]
    assert len(report["acknowledgments"]) == 4
