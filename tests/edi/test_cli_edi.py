"""``orderhub edi parse`` and ``edi ack`` as a user runs them: real processes, real files, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hub.channels.process import process_message
from hub.db.models import EdiInterchange
from hub.db.session import Database
from hub.edi.control_numbers import Kind, peek
from hub.edi.intake import store_x12
from tests.processes import hub_env

SAMPLES = Path(__file__).with_name("samples")


def orderhub(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = hub_env(HUB_DATA_DIR=str(cwd))
    return subprocess.run([sys.executable, "-m", "hub", *args], env=env, capture_output=True, text=True, timeout=120)


def test_parse_prints_sets_documents_and_the_997(tmp_path: Path) -> None:
    result = orderhub("edi", "parse", str(SAMPLES / "850_4010_one_line.x12"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    (interchange,) = report["interchanges"]
    assert (interchange["sender_id"], interchange["receiver_id"]) == ("ACMERETAIL", "WIDGETSUPPLY")
    assert (interchange["control_number"], interchange["version"], interchange["accepted"]) == (
        "000000101",
        "00401",
        True,
    )
    (group,) = interchange["groups"]
    assert (group["functional_id"], group["control_number"], group["version"]) == ("PO", "101", "004010")
    first = group["transactions"][0]
    assert (first["set_id"], first["control_number"], first["accepted"], first["errors"]) == ("850", "0001", True, [])
    assert first["document"]["po_number"] == "4500012345"
    assert [line["quantity"] for line in first["document"]["lines"]] == [24, 12]
    (ack,) = report["acknowledgments"]
    segments = [segment.strip() for segment in ack.split("~") if segment.strip()]
    assert segments[0].startswith("ISA*00*          *00*          *ZZ*WIDGETSUPPLY   *ZZ*ACMERETAIL     *")
    assert "GS*FA*WIDGETSUPPLY*ACMERETAIL*" in ack and segments[2] == "ST*997*0001"
    assert (
        "AK1*PO*101" in segments
        and f"AK9*A*{len(group['transactions'])}*{len(group['transactions'])}*{len(group['transactions'])}" in segments
    )


def test_a_rejected_set_is_reported_with_its_codes_and_acknowledged(tmp_path: Path) -> None:
    result = orderhub("edi", "parse", str(SAMPLES / "850_bad_se01.x12"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr  # read, though rejected: the acknowledgment says why
    report = json.loads(result.stdout)
    rejected = [tx for g in report["interchanges"][0]["groups"] for tx in g["transactions"] if not tx["accepted"]]
    assert rejected and rejected[0]["document"] is None
    assert {"level": "transaction", "code": "4"}.items() <= rejected[0]["errors"][0].items()
    assert "AK5*R*4" in report["acknowledgments"][0]


def test_ack_prints_only_the_acknowledgment(tmp_path: Path) -> None:
    result = orderhub("edi", "ack", str(SAMPLES / "850_4010_one_line.x12"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ISA*") and "ST*997*" in result.stdout and "{" not in result.stdout


def test_an_unreadable_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    junk = tmp_path / "not-x12.txt"
    junk.write_text("UNB+UNOA:1+SENDER+RECEIVER+240105:1230+1'\n")
    result = orderhub("edi", "parse", str(junk), cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("orderhub: ") and "no ISA segment" in line


def test_a_superscript_digit_in_a_date_is_reported_not_a_traceback(tmp_path: Path) -> None:
    text = (SAMPLES / "850_4010_one_line.x12").read_text(encoding="ascii")
    date = text.split("BEG*", 1)[1].split("~", 1)[0].split("*")[4]
    poisoned = tmp_path / "superscript.x12"
    poisoned.write_bytes(text.replace(f"**{date}", f"**{date[:-1]}\u00b2", 1).encode("latin-1"))
    result = orderhub("edi", "parse", str(poisoned), cwd=tmp_path)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    first = json.loads(result.stdout)["interchanges"][0]["groups"][0]["transactions"][0]
    assert not first["accepted"]
    assert [(e["segment"], e["element"], e["code"]) for e in first["errors"] if e["level"] == "element"] == [
        ("BEG", "05", "8")
    ]
    acked = orderhub("edi", "ack", str(poisoned), cwd=tmp_path)
    assert acked.returncode == 0 and "AK4*5*373*8*" in acked.stdout


def test_a_look_with_a_partner_spends_none_of_its_control_numbers(database_url: str, tmp_path: Path) -> None:
    env = hub_env(HUB_DATA_DIR=str(tmp_path), HUB_DATABASE_URL=database_url)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hub", *args], env=env, capture_output=True, text=True, timeout=120
        )

    partner = ["--name", "Acme", "--isa", "ZZ:ACMERETAIL", "--our-isa", "ZZ:WIDGETSUPPLY", "--version", "00401"]
    assert run("partner", "add", "acme", *partner).returncode == 0
    sample = str(SAMPLES / "850_4010_one_line.x12")
    looks = [run("edi", "ack", sample, "--partner", "acme"), run("edi", "parse", sample, "--partner", "acme")]
    assert all(look.returncode == 0 for look in looks), [look.stderr for look in looks]
    shown_ack = looks[0].stdout
    shown_parse = json.loads(looks[1].stdout)["acknowledgments"][0]
    assert "*000000001*0*P*" in shown_ack and "*000000001*0*P*" in shown_parse  # as the partner's next answer
    database = Database(database_url)
    with database.session() as session:
        assert [peek(session, "acme", kind) for kind in Kind] == [0, 0, 0]
        inbox_id, _ = store_x12(session, source="cli", body=Path(sample).read_bytes(), partner_id="acme")
    outcome = process_message(database, inbox_id)  # the real answer takes the number the looks showed
    with database.session() as session:
        answer = session.get(EdiInterchange, outcome.outbound[0])
        assert answer is not None and answer.control_number == "000000001"
    database.dispose()
