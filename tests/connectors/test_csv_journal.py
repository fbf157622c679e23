"""csv-journal: the documented layout, one balanced file per batch, nothing written twice, the contract suite
for local directories and for SFTP with a pinned host key."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from connectors.csv_journal import INDEX, CsvJournal, CsvJournalConfig
from connectors.csv_journal.layout import COLUMNS
from hub.canonical import FulfillmentRequest
from hub.sdk import (
    AlreadyDelivered,
    ConfigurationError,
    Connector,
    Customer,
    EntryKind,
    JournalEntry,
    JournalLine,
    LineRole,
    LocalFolders,
    OrderReference,
    PermanentError,
    Submitted,
    capabilities_of,
)
from hub.sdk.testing import ConnectorContract, ContractPartner, InjectedFailure
from tests.edi.transports.sshd import Sshd, SshdError, start_sshd

BOM = b"\xef\xbb\xbf"


def sale(entry_id: str = "sale:ord_1", currency: str = "USD", description: str = "Organic Tee") -> JournalEntry:
    return JournalEntry(
        entry_id=entry_id,
        kind=EntryKind.SALE,
        date=date(2026, 11, 3),
        currency=currency,
        lines=(
            JournalLine("1210", LineRole.CLEARING, debit="54.38", description="shopify order #1001"),
            JournalLine(
                "4000", LineRole.REVENUE, credit="50.00", description=description, sku="TEE", quantity=2,
                unit_price="25.00",
            ),
            JournalLine("2210", LineRole.TAX, credit="4.38", description="CA State Tax", tax_name="CA State Tax",
                        tax_rate="0.0875"),
        ),
        order=OrderReference("ord_1", "shopify:main", "820982911946154508", "#1001"),
        customer=Customer("Jon Snow", "jon@example.com"),
        memo="sale: order #1001",
    )  # fmt: skip


class Directory:
    """The ledger's side: the directory the files land in (served over SFTP for the SFTP contract)."""

    def __init__(self, path: Path, settings: dict[str, Any]) -> None:
        self.path, self.base = path, settings
        self.hidden: Path | None = None

    def settings(self) -> dict[str, Any]:
        self.restore()
        return dict(self.base)

    def fail_next(self, failure: InjectedFailure) -> None:
        """A directory cannot fail one request the HTTP way; it vanishes instead (an unmounted share)."""
        if self.hidden is None:
            self.hidden = self.path.with_name(self.path.name + "-away")
            self.path.rename(self.hidden)

    def restore(self) -> None:
        if self.hidden is not None:
            self.hidden.rename(self.path)
            self.hidden = None

    def orders_received(self, request: FulfillmentRequest) -> int:
        return 0

    def files(self) -> dict[str, list[dict[str, str]]]:
        found = {}
        for path in sorted(self.path.glob("journal-*.csv")):
            body = path.read_bytes()
            assert body.startswith(BOM)
            reader = csv.DictReader(io.StringIO(body[3:].decode("utf-8"), newline=""))
            assert tuple(reader.fieldnames or ()) == COLUMNS
            found[path.name] = list(reader)
        return found


@pytest.fixture
def local(tmp_path: Path) -> Directory:
    books = tmp_path / "books"
    books.mkdir()
    return Directory(books, {"directory": str(books), "mapping_file": str(tmp_path / "mapping.yaml")})


@pytest.fixture(scope="module")
def sshd() -> Iterator[Sshd]:
    try:
        server = start_sshd()
    except SshdError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def remote(sshd: Sshd) -> Iterator[Directory]:
    books = sshd.directory("books")
    settings = {
        "directory": str(books),
        "mapping_file": "/etc/orderhub/mapping.yaml",
        "sftp_host": "127.0.0.1",
        "sftp_port": sshd.port,
        "sftp_username": sshd.user,
        "sftp_password": sshd.password,
        "sftp_host_key": sshd.public_key_line("ed25519"),
        "timeout_seconds": 10,
    }
    directory = Directory(books, settings)
    yield directory
    directory.restore()


def journal(settings: dict[str, Any]) -> CsvJournal:
    return CsvJournal(CsvJournalConfig.model_validate(settings))


class FileContract(ConnectorContract):
    connector_class = CsvJournal

    def exercise(self, connector: Connector, request: FulfillmentRequest) -> object:
        assert isinstance(connector, CsvJournal)
        return connector.post_entry(sale(), "acct:csv-journal:test:sale:ord_1")

    def count_effects(self, partner: ContractPartner, request: FulfillmentRequest) -> int | None:
        """How many times the sale's entry was written: its lines, in every journal file, per entry."""
        files = partner.files()  # type: ignore[attr-defined]
        written = sum(row["entry_id"] == sale().entry_id for rows in files.values() for row in rows)
        return written // len(sale().lines)

    @pytest.mark.parametrize("case", ("directory-missing", "directory-is-a-file"))
    def test_failure_is_classified(  # type: ignore[override]
        self, case: str, partner: Directory, fulfillment_request: FulfillmentRequest
    ) -> None:
        """A vanished directory or a file in its place pauses the destination with the path named."""
        settings = partner.settings()
        partner.path.rmdir()
        if case == "directory-is-a-file":
            partner.path.write_text("not a directory")
        with pytest.raises(ConfigurationError, match=str(partner.path)):
            self.exercise(self.build(settings), fulfillment_request)
        with pytest.raises(ConfigurationError, match="directory"):
            self.build(settings).check()


class TestLocalContract(FileContract):
    invalid_settings = (("directory", "relative/books"), ("recognise_on", "invoice"), ("sftp_password", "stray"))

    @pytest.fixture
    def partner(self, local: Directory) -> Directory:
        return local

    # A local directory carries no secret setting; TestSftpContract checks the SFTP password.
    def test_secrets_stay_out_of_reprs(self, partner: Directory) -> None:  # type: ignore[override]
        assert "sftp_password" not in partner.settings()

    def test_secrets_stay_out_of_results_errors_and_logs(self, partner: Directory) -> None:  # type: ignore[override]
        assert "sftp_password" not in partner.settings()


class TestSftpContract(FileContract):
    secret_settings = ("sftp_password",)
    invalid_settings = (("sftp_host_key", "MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48"), ("sftp_port", 0))

    @pytest.fixture
    def partner(self, remote: Directory) -> Directory:
        return remote


def test_capabilities() -> None:
    assert capabilities_of(CsvJournal) == ("post_entry", "post_entries", "read_ledger")


def test_a_batch_is_one_balanced_file_in_the_documented_layout(local: Directory) -> None:
    euro = sale("sale:ord_2", "EUR", description="=HYPERLINK(evil)")
    answers = journal(local.settings()).post_entries([(sale(), "k1"), (euro, "k2")])

    assert [type(answer) for answer in answers] == [Submitted, Submitted]
    [(name, rows)] = local.files().items()
    assert name.startswith("journal-2026-11-03-2026-11-03-")
    assert answers[0].external_id == f"{name}#sale:ord_1"  # type: ignore[union-attr]
    assert [row["entry_id"] for row in rows] == ["sale:ord_1"] * 3 + ["sale:ord_2"] * 3
    first = rows[1]
    assert (first["date"], first["account"], first["debit"], first["credit"], first["currency"]) == (
        "2026-11-03", "4000", "0.00", "50.00", "USD",
    )  # fmt: skip
    assert (first["order_reference"], first["sku"], first["quantity"], first["unit_price"]) == (
        "#1001",
        "TEE",
        "2",
        "25.00",
    )
    assert rows[2]["tax_name"] == "CA State Tax" and rows[2]["tax_rate"] == "0.0875"
    assert rows[4]["description"] == "'=HYPERLINK(evil)"  # a formula is written as text
    for currency in ("USD", "EUR"):
        mine = [row for row in rows if row["currency"] == currency]
        assert sum(float(r["debit"]) for r in mine) == sum(float(r["credit"]) for r in mine)


def test_a_resend_writes_nothing_twice(local: Directory) -> None:
    first = journal(local.settings()).post_entries([(sale(), "k1")])
    again = journal(local.settings()).post_entries([(sale(), "k1"), (sale("sale:ord_3"), "k3")])

    assert isinstance(first[0], Submitted)
    assert isinstance(again[0], AlreadyDelivered) and isinstance(again[1], Submitted)
    files = local.files()
    assert len(files) == 2
    assert sorted(row["entry_id"] for rows in files.values() for row in rows) == ["sale:ord_1"] * 3 + ["sale:ord_3"] * 3
    assert (local.path / INDEX).read_text().count("\n") == 2
    with pytest.raises(AlreadyDelivered):
        journal(local.settings()).post_entry(sale(), "k1")


def test_an_unbalanced_entry_is_refused_alone(local: Directory) -> None:
    good = sale()
    bad = JournalEntry("sale:ord_9", EntryKind.SALE, date(2026, 11, 3), "USD", good.lines[:2])
    answers = journal(local.settings()).post_entries([(bad, "k9"), (good, "k1")])
    assert isinstance(answers[0], PermanentError) and "does not balance" in str(answers[0])
    assert isinstance(answers[1], Submitted)
    assert {row["entry_id"] for rows in local.files().values() for row in rows} == {"sale:ord_1"}


def test_sftp_round_trip_with_the_pinned_key(remote: Directory) -> None:
    answers = journal(remote.settings()).post_entries([(sale(), "k1")])
    assert isinstance(answers[0], Submitted)
    assert isinstance(journal(remote.settings()).post_entries([(sale(), "k1")])[0], AlreadyDelivered)
    [rows] = remote.files().values()
    assert len(rows) == 3


def test_sftp_settings_are_refused_by_name(tmp_path: Path) -> None:
    from pydantic import ValidationError

    base = {"directory": "/books", "mapping_file": str(tmp_path / "m.yaml"), "sftp_host": "sftp.example.com"}
    with pytest.raises(ValidationError, match="sftp_username"):
        CsvJournalConfig.model_validate(base)
    with pytest.raises(ValidationError, match="sftp_host_key"):
        CsvJournalConfig.model_validate({**base, "sftp_username": "u", "sftp_password": "p"})


def test_read_back_sums_each_entry_in_the_files_of_the_period(local: Directory) -> None:
    from hub.sdk import Period

    journal(local.settings()).post_entries([(sale(), "k1"), (sale("sale:ord_2", "EUR"), "k2")])
    records = journal(local.settings()).read_entries(Period(date(2026, 11, 1), date(2026, 11, 30)))
    assert sorted((r.entry_id, r.currency, r.total, r.order_number) for r in records) == [
        ("sale:ord_1", "USD", "54.38", "#1001"),
        ("sale:ord_2", "EUR", "54.38", "#1001"),
    ]
    assert journal(local.settings()).read_entries(Period(date(2026, 12, 1), date(2026, 12, 31))) == []


class CrashingFolders(LocalFolders):
    """Local folders whose process dies (an exception here) at a chosen write of the index: ``after_file``,
    the first index write after a journal file was written; otherwise the first index write that holds a
    pending mark, before any journal file."""

    crash_after_file = True
    crashed = False

    def write(self, directory: str, name: str, data: bytes) -> str:
        if not CrashingFolders.crashed and name == INDEX:
            files = list(Path(directory).glob("journal-*.csv"))
            if (files and CrashingFolders.crash_after_file) or (b"pending" in data and not self.crash_after_file):
                CrashingFolders.crashed = True
                raise KeyboardInterrupt("the worker was killed")
        return super().write(directory, name, data)


@pytest.mark.parametrize("after_file", [True, False], ids=["after-the-file", "before-the-file"])
def test_a_crash_between_file_and_index_never_puts_an_entry_in_two_files(
    local: Directory, monkeypatch: pytest.MonkeyPatch, after_file: bool
) -> None:
    monkeypatch.setattr("connectors.csv_journal.LocalFolders", CrashingFolders)
    monkeypatch.setattr(CrashingFolders, "crash_after_file", after_file)
    monkeypatch.setattr(CrashingFolders, "crashed", False)
    with pytest.raises(KeyboardInterrupt):
        journal(local.settings()).post_entries([(sale(), "k1"), (sale("sale:ord_2"), "k2")])

    retry = journal(local.settings()).post_entries([(sale("sale:ord_2"), "k2"), (sale("sale:ord_3"), "k3")])
    last = journal(local.settings()).post_entries([(sale(), "k1")])

    written = sorted(row["entry_id"] for rows in local.files().values() for row in rows)
    assert written == ["sale:ord_1"] * 3 + ["sale:ord_2"] * 3 + ["sale:ord_3"] * 3  # each once, in one file
    assert isinstance(retry[1], Submitted)
    assert isinstance(retry[0], AlreadyDelivered if after_file else Submitted)
    assert isinstance(last[0], AlreadyDelivered if after_file else Submitted)
    assert "pending" not in (local.path / INDEX).read_text()
