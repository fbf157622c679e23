"""csv-3pl: fulfillment orders written as CSV files, whole and once, to local folders and to a real OpenSSH
server with its host key pinned; shipment confirmations read back, bad rows refused by row and column."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from connectors.csv_3pl import Csv3pl, Csv3plConfig
from connectors.csv_3pl.layout import ORDER_COLUMNS, orders_csv
from hub.canonical import FulfillmentRequest
from hub.canonical.fulfillment import FulfillmentRequestLine
from hub.sdk import (
    ConfigurationError,
    ConnectorError,
    FulfillmentRef,
    InboundNotification,
    PermanentError,
    ShipmentNotice,
    TransientError,
    capabilities_of,
)
from hub.sdk.testing import ConnectorContract, InjectedFailure, sample_fulfillment_request
from tests.edi.transports.sshd import Sshd, SshdError, keygen, start_sshd
from tests.processes import free_port

BOM = b"\xef\xbb\xbf"


@pytest.fixture(scope="module")
def sshd() -> Iterator[Sshd]:
    try:
        server = start_sshd()
    except SshdError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


class Folders:
    """The warehouse's side of the drop folders, seen on this machine's file system (for SFTP too: the test
    server serves this machine's directories)."""

    def __init__(self, outbox: Path, inbox: Path, settings: dict[str, Any]) -> None:
        self.outbox, self.inbox, self.base = outbox, inbox, settings
        self.hidden: Path | None = None

    def settings(self) -> dict[str, Any]:
        self.restore()
        return dict(self.base)

    def fail_next(self, failure: InjectedFailure) -> None:
        """A folder partner cannot fail one request the HTTP way; the outbox vanishes instead (an unmounted
        share), until the settings are asked for again."""
        if self.hidden is None:
            self.hidden = self.outbox.with_name(self.outbox.name + "-away")
            self.outbox.rename(self.hidden)

    def restore(self) -> None:
        if self.hidden is not None:
            self.hidden.rename(self.outbox)
            self.hidden = None

    def orders_received(self, request: FulfillmentRequest) -> int:
        return len([name for name, rows in self.files().items() if any(r[0] == request.id for r in rows)])

    def files(self) -> dict[str, list[list[str]]]:
        """Every published file in the outbox (no temporary ones) as its data rows."""
        return {path.name: read_rows(path.read_bytes()) for path in sorted(self.outbox.iterdir()) if path.is_file()}

    def drop(self, name: str, text: str | bytes, *, age: float = 60.0) -> Path:
        path = self.inbox / name
        path.write_bytes(text.encode() if isinstance(text, str) else text)
        moment = time.time() - age
        os.utime(path, (moment, moment))
        return path


def read_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(BOM)
    rows = list(csv.reader(io.StringIO(body[3:].decode("utf-8"), newline="")))
    assert rows[0] == list(ORDER_COLUMNS) or rows[0][0] == "fulfillment_order_id"
    return rows[1:]


@pytest.fixture
def local(tmp_path: Path) -> Folders:
    outbox, inbox = tmp_path / "out", tmp_path / "in"
    outbox.mkdir()
    inbox.mkdir()
    return Folders(outbox, inbox, {"outbox": str(outbox), "inbox": str(inbox)})


def sftp_settings(server: Sshd, outbox: Path, inbox: Path, **changes: Any) -> dict[str, Any]:
    settings = {
        "sftp_host": "127.0.0.1",
        "sftp_port": server.port,
        "sftp_username": server.user,
        "sftp_password": server.password,
        "sftp_host_key": server.public_key_line("ed25519"),
        "outbox": str(outbox),
        "inbox": str(inbox),
        "timeout_seconds": 10,
    }
    settings.update(changes)
    return {key: value for key, value in settings.items() if value is not None}


@pytest.fixture
def remote(sshd: Sshd) -> Iterator[Folders]:
    outbox, inbox = sshd.directory("out"), sshd.directory("in")
    folders = Folders(outbox, inbox, sftp_settings(sshd, outbox, inbox))
    yield folders
    folders.restore()


def connector(settings: dict[str, Any]) -> Csv3pl:
    return Csv3pl(Csv3plConfig.model_validate(settings))


def request_with_lines(count: int, fulfillment_order_id: str = "ful_big") -> FulfillmentRequest:
    """A fulfillment order with many lines: a file large enough to be written in many pieces."""
    sample = sample_fulfillment_request(fulfillment_order_id)
    template = sample.order.lines[0]
    lines = [
        template.model_copy(update={"line_id": f"L{n}", "sku": f"SKU-{n}", "name": f"Product {n} " + "x" * 80})
        for n in range(count)
    ]
    order = sample.order.model_copy(update={"lines": lines})
    wanted = [FulfillmentRequestLine(line_id=line.line_id, sku=line.sku, quantity=1) for line in lines]
    return FulfillmentRequest(id=fulfillment_order_id, location_id="loc_east", order=order, lines=wanted)


# -- the contract suite ------------------------------------------------------------------------------------

FILE_FAILURES = ("outbox-missing", "outbox-is-a-file")


class FileContract(ConnectorContract):
    """What differs for a file connector: there is no HTTP status to classify. The failures a drop folder
    really has are classified instead (the HTTP cases of the suite cannot be injected into a file system)."""

    connector_class = Csv3pl

    @pytest.mark.parametrize("case", FILE_FAILURES)
    def test_failure_is_classified(  # type: ignore[override]
        self, case: str, partner: Folders, fulfillment_request: FulfillmentRequest
    ) -> None:
        """A vanished outbox or a file in its place is a configuration problem: the destination is paused
        with the path named, not retried for a day."""
        settings = partner.settings()
        partner.outbox.rmdir()
        if case == "outbox-is-a-file":
            partner.outbox.write_text("not a directory")
        with pytest.raises(ConfigurationError, match=str(partner.outbox)):
            self.exercise(self.build(settings), fulfillment_request)
        with pytest.raises(ConfigurationError, match="outbox"):
            self.build(settings).check()


class TestLocalContract(FileContract):
    invalid_settings = (("outbox", "relative/out"), ("settle_seconds", -1), ("sftp_password", "stray"))

    @pytest.fixture
    def partner(self, local: Folders) -> Folders:
        return local

    # Local folders carry no secret setting, so there is none to leak; TestSftpContract checks the SFTP ones.
    def test_secrets_stay_out_of_reprs(self, partner: Folders) -> None:  # type: ignore[override]
        assert not _secret_fields() & set(partner.settings())

    def test_secrets_stay_out_of_results_errors_and_logs(self, partner: Folders) -> None:  # type: ignore[override]
        assert not _secret_fields() & set(partner.settings())


class TestSftpContract(FileContract):
    secret_settings = ("sftp_password",)
    invalid_settings = (
        ("sftp_host_key", "MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48"),
        ("sftp_port", 0),
        ("timeout_seconds", 0),
    )

    @pytest.fixture
    def partner(self, remote: Folders) -> Folders:
        return remote


def test_capabilities() -> None:
    assert capabilities_of(Csv3pl) == (
        "submit_fulfillment",
        "submit_batch",
        "cancel_fulfillment",
        "read_notifications",
        "poll_messages",
    )


# -- the order file -----------------------------------------------------------------------------------------


def test_order_file_has_the_documented_layout(local: Folders) -> None:
    request = sample_fulfillment_request("ful_0001")
    result = connector(local.settings()).submit_fulfillment(request, "fo:ful_0001:submit")

    assert result.external_id is None and "order-ful_0001.csv" in result.note
    assert [p.name for p in local.outbox.iterdir()] == ["order-ful_0001.csv"]
    assert (local.outbox / "order-ful_0001.csv").read_bytes() == BOM + (
        b"fulfillment_order_id,order_reference,order_date,ship_to_name,company,address1,address2,city,state,"
        b"postal_code,country,phone,email,shipping_method,line_id,sku,name,quantity,test\r\n"
        b"ful_0001,#1001,2025-03-14,Jon Snow,,123 Main St,Apt 4,Springfield,IL,62701,US,'+1 217 555 0100,"
        b"jon.snow@example.com,standard,1,TEE-BLK-M,Organic Tee - Black / M,2,false\r\n"
        b"ful_0001,#1001,2025-03-14,Jon Snow,,123 Main St,Apt 4,Springfield,IL,62701,US,'+1 217 555 0100,"
        b"jon.snow@example.com,standard,2,MUG-WHT,Mug - White,1,false\r\n"
    )


def test_formulas_are_written_as_text_and_the_mark_can_be_turned_off(local: Folders) -> None:
    sample = sample_fulfillment_request("ful_0002")
    hostile = sample.order.ship_to.model_copy(update={"name": '=HYPERLINK("http://evil","Zoë")', "company": "@SUM(1)"})  # type: ignore[union-attr]
    request = sample.model_copy(update={"order": sample.order.model_copy(update={"ship_to": hostile})})
    connector({**local.settings(), "bom": False}).submit_fulfillment(request, "k")

    body = (local.outbox / "order-ful_0002.csv").read_bytes()
    assert not body.startswith(BOM)
    [row, _] = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))[1:]
    assert row[3:5] == ['\'=HYPERLINK("http://evil","Zoë")', "'@SUM(1)"]


def test_a_resend_replaces_the_file_and_a_batch_is_one_file(local: Folders) -> None:
    first, second = sample_fulfillment_request("ful_A"), sample_fulfillment_request("ful_B")
    csv3pl = connector(local.settings())
    csv3pl.submit_fulfillment(first, "fo:ful_A:submit")
    csv3pl.submit_fulfillment(first, "fo:ful_A:submit")
    assert list(local.files()) == ["order-ful_A.csv"]

    results = csv3pl.submit_fulfillments([(second, "fo:ful_B:submit"), (first, "fo:ful_A:submit")])
    again = csv3pl.submit_fulfillments([(first, "fo:ful_A:submit"), (second, "fo:ful_B:submit")])
    assert len(results) == len(again) == 2 and results[0].note == again[1].note
    files = local.files()
    [batch] = [name for name in files if name.startswith("orders-")]
    assert [row[0] for row in files[batch]] == ["ful_A", "ful_A", "ful_B", "ful_B"]
    assert len(files) == 2  # the single file and the batch; no temporary file left behind
    assert csv3pl.submit_fulfillments([]) == []


@pytest.mark.parametrize("where", ["local", "remote"])
def test_a_reader_never_sees_a_partial_file(where: str, request: pytest.FixtureRequest) -> None:
    """The warehouse's importer polls the outbox while the hub rewrites a large file again and again: every
    read finds the whole of one version or no file at all."""
    folders: Folders = request.getfixturevalue(where)
    versions = [orders_bytes(request_with_lines(1500)), orders_bytes(request_with_lines(1200))]
    csv3pl, done, seen = connector(folders.settings()), threading.Event(), list[int]()

    def read_while_writing() -> None:  # keeps the size of each read that was not a whole version
        while not done.is_set():
            try:
                body = (folders.outbox / "order-ful_big.csv").read_bytes()
            except FileNotFoundError:
                continue
            seen.append(-1 if body in versions else len(body))

    reader = threading.Thread(target=read_while_writing)
    reader.start()
    try:
        for turn in range(12):
            csv3pl.submit_fulfillment(request_with_lines(1500 if turn % 2 == 0 else 1200), "fo:ful_big:submit")
    finally:
        done.set()
        reader.join()
    assert seen
    partial = [size for size in seen if size != -1]
    assert not partial, f"{len(partial)} of {len(seen)} reads found a partial file ({partial[:5]} bytes)"
    assert [p.name for p in folders.outbox.iterdir()] == ["order-ful_big.csv"]


def orders_bytes(request: FulfillmentRequest) -> bytes:
    return orders_csv([request])


def test_cancel_removes_an_untaken_file_and_always_writes_a_cancellation(local: Folders) -> None:
    csv3pl, request = connector(local.settings()), sample_fulfillment_request("ful_C")
    ref = FulfillmentRef(fulfillment_order_id="ful_C")
    csv3pl.submit_fulfillment(request, "fo:ful_C:submit")

    csv3pl.cancel_fulfillment(request, ref, "fo:ful_C:cancel")
    assert list(local.files()) == ["cancel-ful_C.csv"]
    body = (local.outbox / "cancel-ful_C.csv").read_bytes()
    header, row = list(csv.reader(io.StringIO(body[3:].decode(), newline="")))
    assert header == ["fulfillment_order_id", "order_reference", "cancel_requested_at"]
    assert row[:2] == ["ful_C", "#1001"] and datetime.fromisoformat(row[2]).tzinfo is not None

    # Taken by the warehouse already: the cancellation file is all it gets; a resend is the same one file.
    (local.outbox / "cancel-ful_C.csv").unlink()
    csv3pl.cancel_fulfillment(request, ref, "fo:ful_C:cancel")
    csv3pl.cancel_fulfillment(request, ref, "fo:ful_C:cancel")
    assert list(local.files()) == ["cancel-ful_C.csv"]


def test_check_names_the_folder_that_is_wrong(local: Folders) -> None:
    connector(local.settings()).check()
    missing = {**local.settings(), "inbox": str(local.inbox) + "-typo"}
    with pytest.raises(ConfigurationError, match=r"^inbox .*-typo is not an existing directory"):
        connector(missing).check()
    archive = {**local.settings(), "archive": str(local.inbox / "nowhere")}
    with pytest.raises(ConfigurationError, match="archive"):
        connector(archive).check()


def test_settings_are_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="sftp_host_key\n.*required with sftp_host"):
        Csv3plConfig.model_validate(
            {"sftp_host": "h", "sftp_username": "u", "sftp_password": "p", "outbox": "o", "inbox": "i"}
        )
    with pytest.raises(ValidationError, match="sftp_private_key\n.*exactly one of sftp_password and sftp_private_key"):
        Csv3plConfig.model_validate(
            {"sftp_host": "h", "sftp_username": "u", "sftp_host_key": "SHA256:x", "outbox": "o", "inbox": "i"}
        )
    remote = Csv3plConfig.model_validate(
        {
            "sftp_host": "h",
            "sftp_username": "u",
            "sftp_password": "p",
            "sftp_host_key": "SHA256:x",
            "outbox": "o",
            "inbox": "i",
        }
    )
    assert remote.archive_dir == "i/archive"  # remote paths may be relative to the login directory


# -- confirmations --------------------------------------------------------------------------------------------

CONFIRMATION = (
    "fulfillment_order_id,line_id,sku,quantity,carrier,service,tracking_number,tracking_url,ship_date,shipment_id\r\n"
    "ful_A,1,TEE-BLK-M,2,UPS,Ground,1Z001,https://ups.example/1Z001,2026-12-05,SHP-1\r\n"
    "ful_A,2,MUG-WHT,1,UPS,Ground,1Z002,,2026-12-05,SHP-1\r\n"
    ",,,,,,,,,\r\n"
    "ful_B,,MUG-WHT,3,USPS,Priority,9400100,,2026-12-06T10:00:00-05:00,\r\n"
)


def read(csv3pl: Csv3pl, key: str, body: bytes) -> list[ShipmentNotice]:
    notification = InboundNotification(method="POLL", path=key, query="", headers={}, body=body)
    result = csv3pl.read_notification(notification)
    assert result.key == key
    return list(result.shipments)


def test_a_confirmation_becomes_one_shipment_per_order_and_shipment(local: Folders) -> None:
    shipments = read(connector(local.settings()), "ship.csv#0011", CONFIRMATION.encode())

    assert [(s.key, s.fulfillment_order_id) for s in shipments] == [
        ("ful_A:shipment:SHP-1", "ful_A"),
        ("ful_B:tracking:9400100", "ful_B"),
    ]
    first, second = (s.shipment for s in shipments)
    assert first.tracking_numbers == ["1Z001", "1Z002"] and first.shipment_number == "SHP-1"
    assert first.carrier is not None and (first.carrier.name, first.carrier.service) == ("UPS", "Ground")
    assert first.shipped_at == datetime(2026, 12, 5, 12, tzinfo=UTC)
    assert [(i.line_id, i.sku, i.quantity) for i in first.items] == [("1", "TEE-BLK-M", 2), ("2", "MUG-WHT", 1)]
    assert [(i.line_id, i.sku, i.quantity) for i in second.items] == [(None, "MUG-WHT", 3)]
    assert second.shipped_at == datetime(2026, 12, 6, 15, tzinfo=UTC)


def test_a_spreadsheet_export_is_read_as_saved(local: Folders) -> None:
    """Excel in a European locale: semicolons, Windows-1252, headers in its own case, a formula-safe echo."""
    text = "Fulfillment Order ID;SKU;Quantity;Carrier;Tracking Number\r\n'-ful_X;'-CAFÉ;1;La Poste;6A123\r\n"
    [shipment] = read(connector(local.settings()), "export.csv", text.encode("cp1252"))
    assert shipment.fulfillment_order_id == "-ful_X" and shipment.shipment.items[0].sku == "-CAFÉ"
    assert shipment.shipment.carrier is not None and shipment.shipment.carrier.name == "La Poste"

    unicode_text = "fulfillment_order_id\tsku\tquantity\r\nful_Y\tTHÉ\t2\r\n"  # Excel's "Unicode text"
    [shipment] = read(connector(local.settings()), "unicode.txt", b"\xff\xfe" + unicode_text.encode("utf-16-le"))
    assert (shipment.fulfillment_order_id, shipment.shipment.items[0].sku) == ("ful_Y", "THÉ")


def test_a_file_with_bad_rows_is_refused_whole_with_each_row_and_column_named(local: Folders) -> None:
    bad = (
        "fulfillment_order_id,sku,quantity,ship_date,tracking_number\r\n"
        "ful_A,TEE,2,2026-12-05,1Z9\r\n"
        "ful_A,,1,,\r\n"
        ",MUG,abc,12/05/2026,\r\n"
        "ful_B,MUG,0,,1.23457E+21\r\n"
    )
    with pytest.raises(PermanentError) as refused:
        read(connector(local.settings()), "bad.csv#ab12", bad.encode())
    message = str(refused.value)
    assert message.startswith("bad.csv: 6 problem(s), nothing in the file was recorded")
    for where in (
        "row 3, column sku",
        "row 4, column fulfillment_order_id",
        "row 4, column quantity: 'abc' is not a whole number",
        "row 4, column ship_date: '12/05/2026' is not a date as 2026-12-05",
        "row 5, column quantity: '0'",
        "row 5, column tracking_number: '1.23457E+21' is a number a spreadsheet shortened",
    ):
        assert where in message
    assert "row 2" not in message


def test_the_file_is_named_when_the_hub_hands_its_key_over(local: Folders) -> None:
    csv3pl, bad = connector(local.settings()), b"fulfillment_order_id,sku,quantity\r\nful_A,TEE,x\r\n"

    posted = InboundNotification("POST", "/webhooks/connectors/csv-3pl/east", "", {}, bad)
    with pytest.raises(PermanentError, match="^the confirmation file: 1 problem"):
        csv3pl.read_notification(posted)
    polled = InboundNotification("POLL", "day 3.csv#0a1b", "", {}, bad)  # as the hub hands a polled file back
    with pytest.raises(PermanentError, match="^day 3.csv: 1 problem.*row 2, column quantity"):
        csv3pl.read_notification(polled)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", "the file is empty"),
        (b"order,sku,qty\r\nful_A,TEE,1\r\n", "no fulfillment_order_id, quantity column"),
        (b"fulfillment_order_id,quantity\r\nful_A,1\r\n", "no line_id or sku column"),
        (b"fulfillment_order_id,sku,quantity\r\n", "a header row and no shipments"),
        (b"fulfillment_order_id,sku,quantity,sku\r\n", "names column 'sku' twice"),
        (b'fulfillment_order_id,sku,quantity\r\n"' + b"x" * 200_000 + b'",A,1\r\n', "not readable as CSV"),
        (b"fulfillment_order_id,sku,quantity\r\nful_A,A,\xc2\xb2\r\n", "column quantity: '\u00b2' is not a whole"),
    ],
)
def test_a_file_that_is_not_a_confirmation_is_refused(local: Folders, body: bytes, problem: str) -> None:
    with pytest.raises(PermanentError, match=f"^odd.csv: .*{problem}"):
        read(connector(local.settings()), "odd.csv", body)


def test_poll_takes_complete_files_oldest_first_and_acknowledge_archives_them(local: Folders) -> None:
    local.drop("b.csv", CONFIRMATION, age=60)
    local.drop("a.csv", CONFIRMATION.replace("SHP-1", "SHP-2"), age=120)
    local.drop(".hidden.csv", "x")
    local.drop("upload.csv.part", "x")
    local.drop("c.csv.tmp", "x")
    local.drop("fresh.csv", "still being saved", age=0)
    (local.inbox / "archive").mkdir()
    csv3pl = connector(local.settings())

    messages = csv3pl.poll_messages(10)
    assert [m.key.split("#")[0] for m in messages] == ["a.csv", "b.csv"]
    assert messages[1].body == CONFIRMATION.encode() and csv3pl.poll_messages(1)[0].key == messages[0].key
    assert read(csv3pl, messages[1].key, messages[1].body)[0].key == "ful_A:shipment:SHP-1"

    csv3pl.acknowledge_messages([m.key for m in messages])
    csv3pl.acknowledge_messages([m.key for m in messages])  # again: nothing left to move, no error
    assert sorted(p.name for p in (local.inbox / "archive").iterdir()) == ["a.csv", "b.csv"]
    assert csv3pl.poll_messages(10) == []

    # Tomorrow's file under the same name is a new message, archived beside yesterday's.
    local.drop("b.csv", CONFIRMATION.replace("SHP-1", "SHP-3"))
    [tomorrow] = csv3pl.poll_messages(10)
    assert tomorrow.key != messages[1].key
    csv3pl.acknowledge_messages([tomorrow.key])
    archived = sorted(p.name for p in (local.inbox / "archive").iterdir())
    assert archived == ["a.csv", f"b.{tomorrow.key.split('#')[1]}.csv", "b.csv"]
    assert (local.inbox / "archive" / "b.csv").read_bytes() == CONFIRMATION.encode()


def test_a_file_replaced_after_the_poll_is_not_archived_unread(local: Folders) -> None:
    local.drop("day.csv", CONFIRMATION)
    csv3pl = connector(local.settings())
    [message] = csv3pl.poll_messages(10)
    local.drop("day.csv", CONFIRMATION.replace("SHP-1", "SHP-9"))

    csv3pl.acknowledge_messages([message.key])
    [newer] = csv3pl.poll_messages(10)
    assert b"SHP-9" in newer.body and newer.key != message.key


# -- SFTP -----------------------------------------------------------------------------------------------------


def test_sftp_round_trip_with_the_pinned_key(sshd: Sshd, remote: Folders, tmp_path: Path) -> None:
    settings = {**remote.settings(), "sftp_host_key": sshd.fingerprint("rsa")}  # the server's other key
    csv3pl = connector(settings)
    csv3pl.check()
    request = sample_fulfillment_request("ful_S")
    csv3pl.submit_fulfillment(request, "fo:ful_S:submit")
    csv3pl.submit_fulfillment(request, "fo:ful_S:submit")
    assert remote.files() == {"order-ful_S.csv": read_rows(orders_bytes(request))}

    remote.drop("ship.csv", CONFIRMATION)
    remote.drop("ship.csv.filepart", "uploading")
    [message] = csv3pl.poll_messages(10)
    assert [s.key for s in read(csv3pl, message.key, message.body)] == [
        "ful_A:shipment:SHP-1",
        "ful_B:tracking:9400100",
    ]
    csv3pl.acknowledge_messages([message.key])
    assert (remote.inbox / "archive" / "ship.csv").read_bytes() == CONFIRMATION.encode()
    assert sorted(p.name for p in remote.inbox.iterdir()) == ["archive", "ship.csv.filepart"]

    csv3pl.cancel_fulfillment(request, FulfillmentRef("ful_S"), "fo:ful_S:cancel")
    assert list(remote.files()) == ["cancel-ful_S.csv"]


def test_sftp_with_a_private_key(sshd: Sshd, remote: Folders) -> None:
    settings = {**remote.settings(), "sftp_password": None, "sftp_private_key": sshd.client_key.read_text()}
    connector({k: v for k, v in settings.items() if v is not None}).check()


def test_sftp_refuses_a_server_whose_key_is_not_pinned(sshd: Sshd, remote: Folders, tmp_path: Path) -> None:
    stranger = keygen(tmp_path / "stranger")
    pinned = " ".join(stranger.with_suffix(".pub").read_text().split()[:2])
    csv3pl = connector({**remote.settings(), "sftp_host_key": pinned})
    with pytest.raises(
        ConfigurationError, match=re.escape(f"presented ssh-ed25519 {sshd.fingerprint()}, not the pinned")
    ):
        csv3pl.submit_fulfillment(sample_fulfillment_request(), "k")
    assert remote.files() == {}


@pytest.mark.parametrize(
    ("change", "error", "text"),
    [
        ({"sftp_password": "wrong"}, ConfigurationError, "refused user"),
        ({"outbox": "/nonexistent/out"}, ConfigurationError, "/nonexistent/out"),
        ({"sftp_port": "free"}, TransientError, "cannot reach"),
    ],
)
def test_sftp_failures_are_classified(
    remote: Folders, change: dict[str, Any], error: type[ConnectorError], text: str
) -> None:
    settings = {**remote.settings(), **change}
    if settings["sftp_port"] == "free":
        settings["sftp_port"] = free_port()
    with pytest.raises(error, match=text):
        connector(settings).submit_fulfillment(sample_fulfillment_request(), "k")


def test_sftp_check_names_a_missing_folder(remote: Folders) -> None:
    shutil.rmtree(remote.inbox)
    with pytest.raises(ConfigurationError, match=re.escape(f"inbox {remote.inbox} is not an existing directory")):
        connector(remote.settings()).check()


def _secret_fields() -> set[str]:
    return {name for name, info in Csv3plConfig.model_fields.items() if "SecretStr" in str(info.annotation)}
