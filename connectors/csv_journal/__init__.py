"""``csv-journal``: the hub's journal as CSV files, for any ledger or spreadsheet that imports them.

Each export run writes one file (``journal-<first day>-<last day>-<digest>.csv``, layout in ``layout``) into
``directory``, locally or on an SFTP server whose host key is pinned (the SFTP and folder code is ``hub.sdk``'s).
Every entry in it balances, in its own currency, so the file balances per currency too.

Exactly once: beside the files the connector keeps ``.orderhub-journal-index`` in the same directory, one
line per posted entry (its idempotency key and the file holding it), rewritten atomically. An entry found
there is answered ``AlreadyDelivered`` and written nowhere again. The index names a file *before* it is
written, its lines marked ``pending``; the file is written atomically (temporary dot-name, then a rename), and
then the marks are dropped. A crash in between leaves pending lines: the next call looks for their file,
and either it is there, whole (the entries are delivered, the marks dropped), or it never appeared (the
lines are dropped and the entries written afresh). So a retry never writes an entry into a second file, even
when it comes with a different batch.

Read-back (``ReadsLedger``, for ``orderhub export reconcile``): the journal files still in the directory are
read, each entry's debits summed, so a file edited, truncated or removed by hand shows up as a difference. A
ledger that moves files away once it has imported them shows every entry as missing: reconcile against that
ledger itself instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import ClassVar

import requests
from pydantic import BaseModel

from hub.sdk import (
    AlreadyDelivered,
    ConnectorError,
    ConnectorKind,
    Folders,
    JournalEntry,
    LedgerRecord,
    LocalFolders,
    Period,
    PermanentError,
    Submitted,
)

from .config import CsvJournalConfig
from .layout import file_name, journal_csv, read_journal

__all__ = ["CsvJournal", "CsvJournalConfig"]

INDEX = ".orderhub-journal-index"
PENDING = "pending"  # an index line written before its file: the file may not be there


class CsvJournal:
    """Journal entries out as one balanced CSV file per export run."""

    name: ClassVar[str] = "csv-journal"
    kind: ClassVar[ConnectorKind] = ConnectorKind.ACCOUNTING
    Config: ClassVar[type[BaseModel]] = CsvJournalConfig

    def __init__(self, config: BaseModel, session: requests.Session | None = None) -> None:
        if not isinstance(config, CsvJournalConfig):
            config = CsvJournalConfig.model_validate(config.model_dump())
        self.config: CsvJournalConfig = config

    def __repr__(self) -> str:
        where = f"sftp://{self.config.sftp_host}:{self.config.sftp_port}" if self.config.uses_sftp else "local"
        return f"CsvJournal({where}, directory={self.config.directory!r})"

    def _folders(self) -> AbstractContextManager[Folders]:
        if self.config.uses_sftp:
            from hub.sdk.sftp import sftp_folders  # paramiko only when an account uses SFTP

            return sftp_folders(self.config)
        return _local()

    def check(self) -> None:
        """The directory exists and can be written to (over SFTP: the pinned server lets us in)."""
        with self._folders() as folders:
            folders.probe(self.config.directory, "directory")

    def post_entry(self, entry: JournalEntry, idempotency_key: str) -> Submitted:
        """A file holding this one entry (the engine sends whole runs through ``post_entries``)."""
        [answer] = self.post_entries([(entry, idempotency_key)])
        if isinstance(answer, ConnectorError):
            raise answer
        return answer

    def post_entries(self, batch: Sequence[tuple[JournalEntry, str]]) -> list[Submitted | ConnectorError]:
        """One file for the entries of the batch the index does not hold yet; one answer per entry, in order."""
        answers: list[Submitted | ConnectorError | None] = [None] * len(batch)
        with self._folders() as folders:
            index = self._settled_index(folders)
            fresh: dict[str, tuple[int, JournalEntry]] = {}
            for position, (entry, key) in enumerate(batch):
                if key in index:
                    answers[position] = AlreadyDelivered(f"{entry.entry_id} is already in {index[key]}")
                elif not entry.is_balanced():
                    answers[position] = PermanentError(f"{entry.entry_id} does not balance: not written")
                elif key in fresh:
                    answers[position] = AlreadyDelivered(f"{entry.entry_id} appears twice in this batch")
                else:
                    fresh[key] = (position, entry)
            if fresh:
                entries = [entry for _position, entry in sorted(fresh.values(), key=lambda item: item[0])]
                name = file_name(entries, fresh)
                folders.write(self.config.directory, INDEX, _index_text(index, dict.fromkeys(fresh, name)))
                folders.write(self.config.directory, name, journal_csv(entries, bom=self.config.bom))
                index.update(dict.fromkeys(fresh, name))
                folders.write(self.config.directory, INDEX, _index_text(index))
                for position, entry in fresh.values():
                    answers[position] = Submitted(external_id=f"{name}#{entry.entry_id}", note=f"written to {name}")
        return [answer for answer in answers if answer is not None]

    def read_entries(self, period: Period) -> list[LedgerRecord]:
        """Every entry in the journal files still in the directory, dated within ``period``."""
        records: list[LedgerRecord] = []
        with self._folders() as folders:
            for item in sorted(folders.entries(self.config.directory), key=lambda entry: entry.name):
                if not (item.regular and item.name.startswith("journal-") and item.name.endswith(".csv")):
                    continue
                body = folders.read(folders.join(self.config.directory, item.name))
                if body is not None:
                    records.extend(r for r in read_journal(item.name, body) if r.date in period)
        return records

    def _settled_index(self, folders: Folders) -> dict[str, str]:
        """Idempotency key -> file, with the pending lines of an interrupted call settled (module docstring)."""
        body = folders.read(folders.join(self.config.directory, INDEX))
        index: dict[str, str] = {}
        pending: dict[str, str] = {}
        for line in (body or b"").decode("utf-8").splitlines():
            key, _, rest = line.partition("\t")
            name, _, mark = rest.partition("\t")
            if key:
                (pending if mark == PENDING else index)[key] = name
        if not pending:
            return index
        for name in set(pending.values()):
            if folders.stat(folders.join(self.config.directory, name)) is not None:
                index.update((key, file) for key, file in pending.items() if file == name)
        folders.write(self.config.directory, INDEX, _index_text(index))
        return index


def _index_text(index: dict[str, str], pending: dict[str, str] | None = None) -> bytes:
    lines = [f"{key}\t{name}\n" for key, name in index.items()]
    lines += [f"{key}\t{name}\t{PENDING}\n" for key, name in (pending or {}).items()]
    return "".join(lines).encode("utf-8")


@contextmanager
def _local() -> Iterator[Folders]:
    yield LocalFolders()
