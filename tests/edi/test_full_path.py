"""Every sample X12 file through the whole inbound path: stored raw, read, checked, acknowledged, applied.

Each file is received from the partner it names (a mailbag through a drop shared by several partners) and
the table says, for each: the message status, each interchange's register status, each set's (set id,
status, reference), and per acknowledgment queued the TA1 (TA104, TA105), the AK5/IK5 of each set and the
AK9 of each group, exactly. The files cover 810, 846, 850, 855, 856, 940, 945 and 997 in 4010 and 5010 and
the reader's quirks (CR/LF, one line, 80 columns, no final terminator, Ctrl-Z, BOM, Latin-1, EBCDIC,
ISA12 00200/00403/00501, a short ISA) and errors (bad counts, mismatched control numbers, a duplicate ST02,
an empty segment, a missing mandatory segment, a set in the wrong group, a truncated file, bad ISA fields).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hub.db.session import Database
from tests.edi.full_path import run_file

HERE = Path(__file__).parent
A = ("A", "000")

# file -> (inbox status, interchange statuses, [set id, status, reference], [(TA1, [AK5], [AK9]) per answer])
EXPECTED: dict[str, tuple[str, list[str], list[list[Any]], list[Any]]] = {
    "samples/810_4010.x12": (
        "processed",
        ["accepted"],
        [["810", "applied", "INV-88231"]],
        [(A, [("A",)], [("A", "1", "1", "1")])],
    ),
    "samples/850_4010_allowances_charges.x12": (
        "processed",
        ["accepted"],
        [["850", "applied", "PO778812"]],
        [(A, [("A",)], [("A", "1", "1", "1")])],
    ),
    "samples/850_4010_crlf.x12": (
        "processed",
        ["accepted"],
        [["850", "applied", "4500012345"], ["850", "applied", "4500012346"]],
        [(A, [("A",), ("A",)], [("A", "2", "2", "2")])],
    ),
    "samples/850_4010_ctrl_z.x12": (
        "processed",
        ["accepted"],
        [["850", "applied", "4500012345"], ["850", "applied", "4500012346"]],
        [(A, [("A",), ("A",)], [("A", "2", "2", "2")])],
    ),
    "samples/850_4010_ebcdic_cp037.x12": (
        "processed",
        ["accepted"],
        [["850", "applied", "4500012345"], ["850", "applied", "4500012346"]],
        [(A, [("A",), ("A",)], [("A", "2", "2", "2")])],
    ),
    "samples/850_4010_latin1.x12": (
        "processed",
        ["accepted"],
        [["850", "rejected", None]],
        [(A, [("R", "5")], [("R", "1", "1", "0")])],
    ),
    "samples/850_4010_newline_terminator.x12": (
        "processed",
        ["accepted"],
        [["850", "applied", "4500012345"]],
        [(A, [("A",)], [("A", "1", "1", "1")])],
    ),
    "samples/850_4010_no_final_terminator.x12": (
        "processed",
        ["accepted"],
        [["850", "applied", "4500012345"], ["850", "applied", "4500012346"]],
        [(A, [("A",), ("A",)], [("A", "2", "2", "2")])],
    ),
    "samples/850_4010_one_line.x12": (
        "processed",
        ["accepted"],
        [["850", "applied", "4500012345"], ["850", "applied", "4500012346"]],
        [(A, [("A",), ("A",)], [("A", "2", "2", "2")])],
    ),
    "samples/850_4010_utf8_bom.x12": (
        "processed",
        ["accepted"],
        [["850", "rejected", None]],
        [(A, [("R", "5")], [("R", "1", "1", "0")])],
    ),
    "samples/850_4010_wrapped_80.x12": (
        "processed",
        ["accepted"],
        [["850", "applied", "4500012345"], ["850", "applied", "4500012346"]],
        [(A, [("A",), ("A",)], [("A", "2", "2", "2")])],
    ),
    "samples/850_5010_allowances_charges.x12": (
        "processed",
        ["accepted"],
        [["850", "applied", "PO778812"]],
        [(A, [("A",)], [("A", "1", "1", "1")])],
    ),
    "samples/850_bad_counts.x12": (
        "processed",
        ["rejected"],
        [["850", "rejected", None], ["850", "rejected", None]],
        [(("R", "021"), [], [])],
    ),
    "samples/850_bad_isa_fields.x12": (
        "processed",
        ["rejected"],
        [["850", "rejected", None]],
        [(("R", "014"), [], [])],
    ),
    "samples/850_bad_se01.x12": (
        "processed",
        ["accepted"],
        [["850", "rejected", None]],
        [(A, [("R", "4")], [("R", "1", "1", "0")])],
    ),
    "samples/850_duplicate_st02.x12": (
        "processed",
        ["accepted"],
        [["850", "applied", "4500012345"], ["850", "rejected", None]],
        [(A, [("A",), ("R", "23")], [("P", "2", "2", "1")])],
    ),
    "samples/850_empty_segment.x12": (
        "processed",
        ["accepted"],
        [["850", "rejected", None]],
        [(A, [("R", "5")], [("R", "1", "1", "0")])],
    ),
    "samples/850_ge02_mismatch.x12": (
        "processed",
        ["accepted"],
        [["850", "rejected", None]],
        [(A, [("R",)], [("R", "1", "1", "0", "4")])],  # the set's AK5 agrees with its group's rejection
    ),
    "samples/850_iea02_mismatch.x12": (
        "processed",
        ["rejected"],
        [["850", "rejected", None]],
        [(("R", "001"), [], [])],
    ),
    "samples/850_isa_00200.x12": (
        "processed",
        ["accepted"],
        [["850", "rejected", None]],
        [(A, [("R", "1")], [("R", "1", "1", "0")])],
    ),
    "samples/850_isa_00501.x12": (
        "processed",
        ["accepted"],
        [["850", "applied", "4500019999"]],
        [(A, [("A",)], [("A", "1", "1", "1")])],
    ),
    "samples/850_short_isa.x12": (
        "processed",
        ["rejected"],
        [["850", "rejected", None]],
        [(("R", "022"), [], [])],
    ),
    "samples/850_truncated.x12": (
        "processed",
        ["rejected"],
        [["850", "rejected", None]],
        [(("R", "023"), [], [])],
    ),
    "samples/855_isa_00403.x12": (
        "processed",
        ["accepted"],
        [["855", "rejected", None]],
        [(A, [("R", "1")], [("R", "1", "1", "0")])],
    ),
    "samples/856_4010.x12": (
        "processed",
        ["accepted"],
        [["856", "applied", "SHP0045567"]],
        [(A, [("A",)], [("A", "1", "1", "1")])],
    ),
    "samples/856_4010_multi_order_tares.x12": (
        "processed",
        ["accepted"],
        [["856", "applied", "ASN20240305A"], ["856", "applied", "ASN20240305A"]],
        [(A, [("A",)], [("A", "1", "1", "1")])],
    ),
    "samples/856_5010_two_orders_pallet_without_label.x12": (
        "processed",
        ["accepted"],
        [["856", "applied", "ASN0311"], ["856", "applied", "ASN0311"]],
        [(A, [("A",)], [("A", "1", "1", "1")])],
    ),
    "samples/856_in_po_group.x12": (
        "processed",
        ["accepted"],
        [["850", "applied", "4500012345"], ["856", "rejected", None]],
        [(A, [("A",), ("R", "6")], [("P", "2", "2", "1")])],
    ),
    "samples/997_4010_with_ta1.x12": (
        "processed",
        ["accepted"],
        [["997", "applied", None]],
        [(A, [], [])],
    ),
    "samples/mailbag_850_and_810.x12": (
        "processed",
        ["accepted", "accepted"],
        [["850", "applied", "4500012345"], ["810", "applied", "INV-88231"]],
        [(A, [("A",)], [("A", "1", "1", "1")]), (A, [("A",)], [("A", "1", "1", "1")])],
    ),
    "spec_samples/810_4010.x12": (
        "processed",
        ["accepted"],
        [["810", "applied", "INV0001"]],
        [(A, [("A",)], [("A", "1", "1", "1")])],
    ),
    "spec_samples/846_4010.x12": (
        "processed",
        ["accepted"],
        [["846", "recorded", "INV20240116"]],
        [(A, [("A",)], [("A", "1", "1", "1")])],
    ),
    "spec_samples/850_4010.x12": (
        "processed",
        ["accepted"],
        [["850", "applied", "PO12345"]],
        [(A, [("A",)], [("A", "1", "1", "1")])],
    ),
    "spec_samples/850_5010.x12": (
        "processed",
        ["accepted"],
        [["850", "applied", "PO12345"]],
        [(A, [("A",)], [("A", "1", "1", "1")])],
    ),
    "spec_samples/855_4010.x12": (
        "processed",
        ["accepted"],
        [["855", "applied", "PO12345"]],
        [(A, [("A",)], [("A", "1", "1", "1")])],
    ),
    "spec_samples/856_4010.x12": (
        "processed",
        ["accepted"],
        [["856", "applied", "SHIP0001"]],
        [(A, [("A",)], [("A", "1", "1", "1")])],
    ),
    "spec_samples/856_5010.x12": (
        "processed",
        ["accepted"],
        [["856", "applied", "SHIP0001"]],
        [(A, [("A",)], [("A", "1", "1", "1")])],
    ),
    "spec_samples/940_4010.x12": (
        "processed",
        ["accepted"],
        [["940", "accepted", None]],
        [(A, [("A",)], [("A", "1", "1", "1")])],
    ),
    "spec_samples/945_4010.x12": (
        "processed",
        ["accepted"],
        [["945", "applied", "SHIP7788"]],
        [(A, [("A",)], [("A", "1", "1", "1")])],
    ),
    "spec_samples/997_4010.x12": (
        "processed",
        ["accepted"],
        [["997", "applied", None]],
        [(A, [], [])],
    ),
    "spec_samples/997_5010.x12": (
        "processed",
        ["accepted"],
        [["997", "applied", None]],
        [(A, [], [])],
    ),
}


def test_the_table_covers_every_sample_and_at_least_25_files() -> None:
    files = sorted(
        str(p.relative_to(HERE)) for folder in ("samples", "spec_samples") for p in (HERE / folder).glob("*.x12")
    )
    assert sorted(EXPECTED) == files
    assert len(files) >= 25


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_file_through_the_whole_path(database: Database, name: str) -> None:
    inbox, interchanges, sets, answers = EXPECTED[name]
    result = run_file(database, (HERE / name).read_bytes(), shared_drop=name.startswith("samples/mailbag"))
    assert (result.inbox, list(result.interchanges)) == (inbox, interchanges), result.error
    assert [list(entry) for entry in result.sets] == sets, result.error
    assert [(a.ta1, list(a.sets), list(a.groups)) for a in result.answers] == answers
