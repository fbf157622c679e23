"""Partner profiles: validated when written, found by the sender of an inbound interchange, managed from the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hub.db.models import Partner
from hub.db.session import Database
from hub.edi.model import Delimiters, Interchange, Level, Segment
from hub.edi.partners import (
    InvalidProfile,
    ItemXref,
    PartnerProfile,
    UnknownPartner,
    find_by_sender,
    get_partner,
    list_partners,
    parse_profile,
    save_partner,
)
from hub.errors import InputRejected
from tests.processes import hub_env


def profile_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "theirs": {"qualifier": "ZZ", "id": "ACME", "gs_id": "ACMEGS"},
        "ours": {"qualifier": "ZZ", "id": "ORDERHUB", "gs_id": "ORDERHUB"},
        "control_version": "00401",
        "gs_version": "004010VICS",
    }
    data.update(changes)
    return data


def interchange(usage: str = "P", receiver: tuple[str, str] = ("ZZ", "ORDERHUB")) -> Interchange:
    return Interchange(
        sender_qualifier="ZZ",
        sender_id="ACME",
        receiver_qualifier=receiver[0],
        receiver_id=receiver[1],
        date="261121",
        time="0930",
        control_version="00401",
        control_number="000000905",
        ack_requested=False,
        usage=usage,
        delimiters=Delimiters("*", ">", "~"),
        isa=Segment("ISA", (), 0),
    )


# -- the profile model ------------------------------------------------------------------------------------


def test_a_minimal_profile_gets_sensible_defaults() -> None:
    profile = parse_profile(profile_data())
    assert profile.usage == "P"
    assert profile.delimiters.delimiters() == Delimiters("*", ">", "~", None)
    assert profile.delimiters.newline is True
    assert (profile.acks.kind, profile.acks.send, profile.acks.ta1) == ("997", "always", "requested")
    assert profile.leniencies.fixed_width_isa is True


def test_5010_gets_a_repetition_separator_and_4010_may_not_have_one() -> None:
    assert parse_profile(profile_data(control_version="00501")).delimiters.repetition == "^"
    with pytest.raises(InvalidProfile, match="00401 has no repetition separator"):
        parse_profile(profile_data(delimiters={"repetition": "^"}))


def test_a_999_is_only_for_5010_partners() -> None:
    assert parse_profile(profile_data(control_version="00501", acks={"kind": "999"})).acks.kind == "999"
    with pytest.raises(InvalidProfile, match="a 999 exists only from 00501 on"):
        parse_profile(profile_data(acks={"kind": "999"}))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"delimiters": {"element": "*", "component": "*"}}, "must all differ"),
        ({"delimiters": {"element": "A"}}, "not a letter, digit or space"),
        ({"theirs": {"qualifier": "zzz", "id": "ACME", "gs_id": "ACMEGS"}}, "theirs.qualifier"),
        ({"theirs": {"qualifier": "ZZ", "id": "A" * 16, "gs_id": "ACMEGS"}}, "theirs.id"),
        ({"gs_version": "4010"}, "gs_version"),
        ({"usage": "X"}, "usage"),
        ({"control_version": "00403"}, "control_version"),
        ({"acks": {"send": "sometimes"}}, "acks.send"),
        ({"ours": {"qualifier": "ZZ", "id": "ACME", "gs_id": "X1"}}, "different ISA identities"),
        ({"colour": "blue"}, "colour"),
        ({"strict_codes": "sometimes"}, "strict_codes"),
        ({"codes": {"REF01": "loose"}}, "codes.REF01"),
        ({"codes": {"RFE01": "strict"}}, "codes: 'RFE01' names no element with a code list"),
        ({"codes": {"BEG01": "open"}}, "codes: BEG01 has a closed code list"),
    ],
)
def test_bad_profiles_are_refused_with_the_field_named(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidProfile, match=message):
        parse_profile(profile_data(**changes))


def test_code_checks_follow_strict_codes_unless_an_element_is_set_apart() -> None:
    default = parse_profile(profile_data())
    assert not default.strict_codes and default.codes == {}
    assert not default.strict_code("REF01") and not default.strict_code("PO103")
    strict = parse_profile(profile_data(strict_codes=True, codes={"REF01": "open", "REF04-1": "open"}))
    assert strict.strict_code("PO103") and strict.strict_code("N101")
    assert not strict.strict_code("REF01") and not strict.strict_code("REF04-1")
    one = parse_profile(profile_data(codes={"DTM01": "strict"}))
    assert one.strict_code("DTM01") and not one.strict_code("REF01")
    assert parse_profile(one.model_dump(mode="json")) == one  # stored and read back alike


def test_transports_hold_secret_references_never_values() -> None:
    sftp = {
        "type": "sftp",
        "host": "sftp.acme.example",
        "username": "orderhub",
        "private_key": "file:/run/secrets/acme_key",
        "host_key": "SHA256:abcdefghijklmnop",
    }
    http = {"type": "http", "url": "https://edi.acme.example/in", "token": "env:ACME_TOKEN"}
    mailbox = {"type": "mailbox", "inbound": "/srv/van/acme/in", "outbound": "/srv/van/acme/out"}
    profile = parse_profile(profile_data(transports=[sftp, http, mailbox]))
    assert [t.type for t in profile.transports] == ["sftp", "http", "mailbox"]

    with pytest.raises(InvalidProfile) as refused:
        parse_profile(profile_data(transports=[{**sftp, "private_key": "hunter2-the-real-key"}]))
    assert "transports.0.sftp.private_key" in str(refused.value)
    assert "env:NAME or file:PATH" in str(refused.value)
    assert "hunter2" not in str(refused.value)  # the message never echoes what may be a secret
    with pytest.raises(InvalidProfile, match="exactly one of password or private_key"):
        parse_profile(profile_data(transports=[{**sftp, "password": "env:ACME_PASSWORD"}]))
    with pytest.raises(InvalidProfile, match="host_key"):
        parse_profile(profile_data(transports=[{k: v for k, v in sftp.items() if k != "host_key"}]))


def test_the_inbound_http_credential_is_a_token_or_basic_auth_given_by_reference() -> None:
    assert parse_profile(profile_data()).inbound_http is None  # no credential: the partner cannot post
    token = parse_profile(profile_data(inbound_http={"token": "env:ACME_IN_TOKEN"})).inbound_http
    assert token is not None and token.token == "env:ACME_IN_TOKEN" and token.username is None
    basic = parse_profile(profile_data(inbound_http={"username": "acme", "password": "file:/run/secrets/acme"}))
    assert basic.inbound_http is not None and basic.inbound_http.username == "acme"

    with pytest.raises(InvalidProfile) as refused:
        parse_profile(profile_data(inbound_http={"token": "s3cr3t-value"}))
    assert "inbound_http.token" in str(refused.value) and "s3cr3t" not in str(refused.value)
    for bad, message in (
        ({}, "give a token, or a username and password"),
        ({"token": "env:T", "username": "acme", "password": "env:P"}, "either a token or a username and password"),
        ({"username": "acme"}, "needs both username and password"),
        ({"username": "ac:me", "password": "env:P"}, "inbound_http.username"),
        ({"token": "env:T", "realm": "x"}, "inbound_http.realm"),
    ):
        with pytest.raises(InvalidProfile, match=message):
            parse_profile(profile_data(inbound_http=bad))


def test_folder_transports_take_a_pattern_and_an_archive() -> None:
    sftp = {"type": "sftp", "host": "h", "username": "u", "password": "env:P", "host_key": "SHA256:abcdefgh"}
    profile = parse_profile(profile_data(transports=[sftp, {**sftp, "pattern": "*.edi", "archive": "/done"}]))
    plain, archived = profile.transports
    assert (plain.pattern, plain.archive, plain.timeout_seconds) == ("*", None, 30)  # type: ignore[union-attr]
    assert (archived.pattern, archived.archive) == ("*.edi", "/done")  # type: ignore[union-attr]
    with pytest.raises(InvalidProfile, match="transports.0.sftp.timeout_seconds"):
        parse_profile(profile_data(transports=[{**sftp, "timeout_seconds": 0}]))


def test_item_cross_reference_maps_partner_numbers_to_our_skus() -> None:
    profile = parse_profile(profile_data())
    profile = profile.with_item(ItemXref(partner_item="4711", sku="SKU-RED", qualifier="BP"))
    profile = profile.with_item(ItemXref(partner_item="012345678905", sku="SKU-RED", qualifier="UP"))
    profile = profile.with_item(ItemXref(partner_item="4711", sku="SKU-BLUE", qualifier="BP"))  # replaces
    assert profile.sku_for("4711") == "SKU-BLUE"
    assert profile.sku_for("4711", "BP") == "SKU-BLUE"
    assert profile.sku_for("4711", "VN") is None
    assert profile.sku_for("012345678905", "UP") == "SKU-RED"
    assert len(profile.items) == 2
    with pytest.raises(InvalidProfile, match="only once"):
        parse_profile(profile_data(items=[{"partner_item": "1", "sku": "A"}, {"partner_item": "1", "sku": "B"}]))


def test_an_inbound_interchange_with_the_wrong_test_flag_or_receiver_is_flagged() -> None:
    profile = parse_profile(profile_data())
    assert profile.check_inbound(interchange()) == []
    [usage] = profile.check_inbound(interchange(usage="T"))
    assert (usage.level, usage.code, usage.fatal, usage.value) == (Level.INTERCHANGE, "020", True, "T")
    assert "set up for 'P'" in usage.message
    [receiver] = profile.check_inbound(interchange(receiver=("ZZ", "SOMEONEELSE")))
    assert receiver.code == "009"
    test_profile = parse_profile(profile_data(usage="T"))
    assert [f.code for f in test_profile.check_inbound(interchange(usage="P"))] == ["020"]


# -- the repository ---------------------------------------------------------------------------------------


def test_partners_are_saved_found_by_sender_and_listed(database: Database) -> None:
    with database.session() as session:
        record, created = save_partner(
            session, "acme", name="Acme Retail", kind="trading_partner", profile=parse_profile(profile_data())
        )
        assert created and record.profile.theirs.id == "ACME"
        other = profile_data(theirs={"qualifier": "01", "id": "123456789", "gs_id": "123456789"})
        save_partner(session, "globex", name="Globex", kind="3pl", profile=parse_profile(other))
        session.add(Partner(id="books", name="Books", kind="accounting", profile={}))
    with database.session() as session:
        assert get_partner(session, "acme").name == "Acme Retail"
        found = find_by_sender(session, "ZZ", "ACME           ")  # ISA06 as read, padding and all
        assert found is not None and found.id == "acme"
        assert find_by_sender(session, "01", "123456789").id == "globex"  # type: ignore[union-attr]
        assert find_by_sender(session, "01", "ACME") is None
        assert [p.id for p in list_partners(session)] == ["acme", "globex"]  # EDI partners only
        with pytest.raises(UnknownPartner, match="no EDI partner 'books'"):
            get_partner(session, "books")


def test_an_update_replaces_the_profile_and_a_sender_identity_has_one_owner(database: Database) -> None:
    with database.session() as session:
        save_partner(session, "acme", name="Acme", kind="trading_partner", profile=parse_profile(profile_data()))
    with database.session() as session:
        updated = parse_profile(profile_data(usage="T"))
        _, created = save_partner(session, "acme", name="Acme Corp", kind="supplier", profile=updated)
        assert not created
    with database.session() as session:
        record = get_partner(session, "acme")
        assert (record.name, record.kind, record.profile.usage) == ("Acme Corp", "supplier", "T")
        with pytest.raises(InputRejected, match="ISA sender ZZ:ACME already belongs to partner 'acme'"):
            save_partner(session, "acme2", name="Copy", kind="trading_partner", profile=updated)
        with pytest.raises(InputRejected, match="has no EDI profile"):
            save_partner(session, "acme", name="Acme", kind="channel", profile=updated)


# -- the command line -------------------------------------------------------------------------------------


def orderhub(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hub", *args], env=env, capture_output=True, text=True, timeout=120)


def test_partner_commands_add_list_show_and_cross_reference(database_url: str, tmp_path: Path) -> None:
    env = hub_env(HUB_DATA_DIR=str(tmp_path), HUB_DATABASE_URL=database_url)
    added = orderhub(
        *("partner", "add", "acme", "--name", "Acme Retail", "--isa", "ZZ:ACME", "--our-isa", "ZZ:ORDERHUB"),
        *("--version", "00401", "--gs-version", "004010VICS", "--ack-when", "on-error", "--segment", "\\x1c"),
        *("--leniency", "fixed_width_isa=false", "--strict-codes", "--code-check", "REF01=open"),
        *("--code-check", "N101=open"),
        *("--transport", "sftp,host=sftp.acme.example,username=hub,password=env:ACME_SFTP,host_key=SHA256:abcdefgh"),
        env=env,
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added partner acme: ZZ:ACME -> ZZ:ORDERHUB"

    assert orderhub("partner", "add", "acme", "--usage", "T", env=env).returncode == 0  # changes only ISA15
    assert orderhub("partner", "add", "acme", "--http-inbound", "token=env:ACME_IN", env=env).returncode == 0
    xref = orderhub("partner", "xref", "add", "acme", "4711", "SKU-RED", "--qualifier", "BP", env=env)
    assert xref.returncode == 0 and "BP 4711 -> SKU-RED" in xref.stdout

    [line] = orderhub("partner", "list", env=env).stdout.splitlines()
    summary = json.loads(line)
    assert summary["id"] == "acme" and summary["isa"] == "ZZ:ACME" and summary["usage"] == "T"
    assert summary["acks"] == "997 on_error, TA1 requested" and summary["transports"] == ["sftp"]

    shown = json.loads(orderhub("partner", "show", "acme", env=env).stdout)
    profile = PartnerProfile.model_validate(shown["profile"])
    assert profile.gs_version == "004010VICS" and profile.theirs.gs_id == "ACME"
    assert profile.delimiters.segment == "\x1c" and profile.leniencies.fixed_width_isa is False
    assert profile.sku_for("4711", "BP") == "SKU-RED"
    assert profile.transports[0].password == "env:ACME_SFTP"  # type: ignore[union-attr]
    assert profile.inbound_http is not None and profile.inbound_http.token == "env:ACME_IN"
    assert profile.strict_codes and profile.codes == {"REF01": "open", "N101": "open"}
    changed = orderhub("partner", "add", "acme", "--open-codes", "--code-check", "N101=default", env=env)
    assert changed.returncode == 0, changed.stderr
    shown = json.loads(orderhub("partner", "show", "acme", env=env).stdout)
    assert shown["profile"]["strict_codes"] is False and shown["profile"]["codes"] == {"REF01": "open"}
    assert orderhub("partner", "add", "acme", "--http-inbound", "none", env=env).returncode == 0
    shown = json.loads(orderhub("partner", "show", "acme", env=env).stdout)
    assert shown["profile"]["inbound_http"] is None and shown["profile"]["usage"] == "T"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["partner", "add", "acme", "--name", "A", "--isa", "ACME", "--our-isa", "ZZ:HUB", "--version", "00401"],
         "--isa 'ACME' must be QUALIFIER:ID"),
        (["partner", "add", "acme", "--name", "A", "--isa", "ZZ:ACME", "--our-isa", "ZZ:HUB"], "needs --version"),
        (["partner", "add", "acme", "--isa", "ZZ:ACME", "--our-isa", "ZZ:HUB", "--version", "00401"], "needs --name"),
        (["partner", "add", "acme", "--name", "A", "--isa", "ZZ:ACME", "--our-isa", "ZZ:HUB", "--version", "00401",
          "--transport", "http,url=https://x.example,token=s3cr3t-token"], "transports.0.http.token"),
        (["partner", "add", "acme", "--name", "A", "--isa", "ZZ:ACME", "--our-isa", "ZZ:HUB", "--version", "00401",
          "--ack", "999"], "a 999 exists only from 00501 on"),
        (["partner", "add", "acme", "--name", "A", "--isa", "ZZ:ACME", "--our-isa", "ZZ:HUB", "--version", "00401",
          "--http-inbound", "token=s3cr3t-token"], "inbound_http.token"),
        (["partner", "add", "acme", "--name", "A", "--isa", "ZZ:ACME", "--our-isa", "ZZ:HUB", "--version", "00401",
          "--http-inbound", "s3cr3t"], "--http-inbound takes KEY=VALUE parts"),
        (["partner", "add", "acme", "--name", "A", "--isa", "ZZ:ACME", "--our-isa", "ZZ:HUB", "--version", "00401",
          "--code-check", "REF01=lax"], "--code-check 'REF01=lax' must be ELEMENT=strict"),
        (["partner", "add", "acme", "--name", "A", "--isa", "ZZ:ACME", "--our-isa", "ZZ:HUB", "--version", "00401",
          "--code-check", "BEG01=open"], "BEG01 has a closed code list"),
        (["partner", "show", "nobody"], "no EDI partner 'nobody'"),
        (["partner", "xref", "add", "nobody", "1", "SKU"], "no EDI partner 'nobody'"),
    ],
)  # fmt: skip
def test_bad_partner_input_prints_one_line_and_exits_2(
    sqlite_template: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    # Refusals do not depend on the backend (the commands above run on both), so one is enough here.
    database = tmp_path / "orderhub.sqlite3"
    shutil.copyfile(sqlite_template, database)
    result = orderhub(*args, env=hub_env(HUB_DATA_DIR=str(tmp_path), HUB_DATABASE_URL=f"sqlite:///{database}"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("orderhub: ") and message in lines[0], result.stderr
    assert "s3cr3t" not in result.stderr
