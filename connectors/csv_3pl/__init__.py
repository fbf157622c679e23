"""``csv-3pl``: a warehouse that works from spreadsheets, through drop folders (local, or on its SFTP server).

The hub writes each fulfillment order as a CSV file in ``outbox``; the warehouse leaves shipment
confirmations as CSV files in ``inbox``; the hub reads them and moves each one, once stored, to ``archive``.
Nothing but the standard library is needed for local folders, so this connector works on the embedded
default with nothing else installed; paramiko carries the SFTP form.

Fulfillment order files (written by the hub)
--------------------------------------------

``order-<fulfillment order id>.csv`` for one order, ``orders-<hash of the ids>.csv`` for a batch. One row
per line to ship; the order's columns repeat on each of its rows. A resend writes the same name again and
replaces the file, so the warehouse never finds two copies in the outbox. A warehouse must still treat
``fulfillment_order_id`` as the key of what it imports: an order it sees again (a batch sent again in
another composition after a crash) replaces the one it has.

======================  =======================================================================
column                  value
======================  =======================================================================
fulfillment_order_id    the hub's id (``ful_...``); echo it in the confirmation
order_reference         the order number people use (the channel's number, else the PO number)
order_date              the day the order was placed, ``YYYY-MM-DD``
ship_to_name            recipient (the customer's name when the address has none)
company                 recipient's company
address1, address2      street lines
city, state             city; state, province or region code
postal_code, country    postal code; ISO 3166-1 alpha-2 country (``US``)
phone, email            of the address, else of the customer
shipping_method         requested service (the order's method, else its first shipping line)
line_id                 the order line's id; echo it in the confirmation
sku, name               what to pick
quantity                units of that line to ship
test                    ``true`` for a test order: do not ship it
======================  =======================================================================

Cancellations
-------------

Cancelling writes ``cancel-<fulfillment order id>.csv`` with the columns ``fulfillment_order_id``,
``order_reference`` and ``cancel_requested_at`` (UTC, ISO 8601). When the order's own file is still in the
outbox it is deleted as well, so a warehouse that has not imported it never sees the order; the
cancellation file is written even then, because the warehouse may have been reading the order file at that
moment. A cancellation for an order the warehouse never imported is to be ignored.

Shipment confirmations (written by the warehouse)
-------------------------------------------------

Any file name (not starting with a dot, not ending ``.tmp``/``.part``/``.partial``/``.filepart``), a
header row, one row per line shipped. See ``confirmations`` for grouping, delimiters and encodings.

======================  ===========  ==========================================================
column                  required     value
======================  ===========  ==========================================================
fulfillment_order_id    yes          as written in the order file
line_id or sku          one of them  the line shipped (``line_id`` preferred)
quantity                yes          units shipped, a whole number above zero
carrier, service        no           ``UPS``, ``Ground``
tracking_number         no           one per row; rows of one shipment may differ
tracking_url            no           ``https://...``
ship_date               no           ``YYYY-MM-DD`` or ISO 8601 with an offset; default: when read
shipment_id             no           the warehouse's shipment id (groups rows into one shipment)
order_reference         no           as written in the order file
======================  ===========  ==========================================================

The hub polls the inbox (oldest file first, files changed in the last ``settle_seconds`` left for the next
poll), stores each file as a message keyed ``<file name>#<digest of its bytes>`` and only then has it moved
to ``archive`` (under its own name, or with the digest added when that name is taken there), so a file
the warehouse drops again under yesterday's name is a new message and nothing is lost to a crash between
the two steps. A file whose bytes changed after the poll is left where it is, for the next poll.

Encoding: files the hub writes are UTF-8 with a byte order mark (Excel then opens them as UTF-8; set
``bom`` to false for an importer that chokes on it). Cells starting ``= + - @`` are written with a
leading single quote so no spreadsheet runs them as formulas.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import ClassVar

import requests
from pydantic import BaseModel

from hub.canonical import FulfillmentRequest
from hub.sdk import (
    ConnectorKind,
    Folders,
    FulfillmentRef,
    InboundNotification,
    LocalFolders,
    NotificationResult,
    PolledMessage,
    Submitted,
)
from hub.sdk.files import complete

from .config import Csv3plConfig
from .confirmations import read_confirmation
from .layout import batch_file_name, cancel_csv, cancel_file_name, order_file_name, orders_csv

__all__ = ["Csv3pl", "Csv3plConfig"]

KEY_MARK = "#"  # between a file name and its content digest in a polled message key


def message_key(name: str, body: bytes) -> str:
    """A polled file's key: its name and a digest of its bytes, so a file dropped again under yesterday's name
    is a new message, and the same bytes found twice are one."""
    return f"{name}{KEY_MARK}{hashlib.sha256(body).hexdigest()[:16]}"


def file_name(key: str) -> str:
    """The file name in a polled message key (or the key itself, when it carries no digest)."""
    name, mark, _ = key.rpartition(KEY_MARK)
    return name if mark else key


class Csv3pl:
    """Fulfillment orders out as CSV files, shipment confirmations in as CSV files."""

    name: ClassVar[str] = "csv-3pl"
    kind: ClassVar[ConnectorKind] = ConnectorKind.THREE_PL
    Config: ClassVar[type[BaseModel]] = Csv3plConfig

    def __init__(self, config: BaseModel, session: requests.Session | None = None) -> None:
        if not isinstance(config, Csv3plConfig):
            config = Csv3plConfig.model_validate(config.model_dump())
        self.config: Csv3plConfig = config

    def __repr__(self) -> str:
        where = f"sftp://{self.config.sftp_host}:{self.config.sftp_port}" if self.config.uses_sftp else "local"
        return f"Csv3pl({where}, outbox={self.config.outbox!r}, inbox={self.config.inbox!r})"

    def _folders(self) -> AbstractContextManager[Folders]:
        if self.config.uses_sftp:
            from hub.sdk.sftp import sftp_folders  # paramiko only when an account uses SFTP

            return sftp_folders(self.config)
        return _local()

    # -- checks --

    def check(self) -> None:
        """The folders exist and can be written to (over SFTP: the pinned server lets us in and they exist)."""
        with self._folders() as folders:
            folders.probe(self.config.outbox, "outbox")
            folders.probe(self.config.inbox, "inbox")
            if self.config.archive is not None or folders.stat(self.config.archive_dir) is not None:
                folders.probe(self.config.archive_dir, "archive")

    # -- fulfillment orders --

    def submit_fulfillment(self, request: FulfillmentRequest, idempotency_key: str) -> Submitted:
        """Write the order's file; a resend replaces it (same name, atomic rename)."""
        [submitted] = self.submit_fulfillments([(request, idempotency_key)])
        return submitted

    def submit_fulfillments(self, batch: Sequence[tuple[FulfillmentRequest, str]]) -> list[Submitted]:
        """Write one file for the whole batch (one file per order when the batch holds one); the same batch
        sent again replaces its file. One result per request, in order."""
        # Sorted, so the same batch sent again in another order writes the very same bytes.
        unique = sorted({request.id: request for request, _ in batch}.values(), key=lambda r: r.id)
        if not unique:
            return []
        name = order_file_name(unique[0].id) if len(unique) == 1 else batch_file_name(r.id for r in unique)
        with self._folders() as folders:
            folders.write(self.config.outbox, name, orders_csv(unique, bom=self.config.bom))
        return [Submitted(external_id=None, note=f"written to {name}") for _ in batch]

    def cancel_fulfillment(self, request: FulfillmentRequest, ref: FulfillmentRef, idempotency_key: str) -> None:
        """Delete the order's file if the warehouse has not taken it, and always write a cancellation file."""
        with self._folders() as folders:
            folders.remove(folders.join(self.config.outbox, order_file_name(request.id)))
            body = cancel_csv(request, datetime.now(UTC), bom=self.config.bom)
            folders.write(self.config.outbox, cancel_file_name(request.id), body)

    # -- confirmations --

    def poll_messages(self, limit: int) -> list[PolledMessage]:
        """Complete confirmation files in the inbox, oldest first; nothing is moved until acknowledged."""
        now, messages = time.time(), list[PolledMessage]()
        with self._folders() as folders:
            entries = [e for e in folders.entries(self.config.inbox) if complete(e)]
            for entry in sorted(entries, key=lambda e: (e.modified, e.name)):
                if len(messages) >= limit:
                    break
                if now - entry.modified < self.config.settle_seconds:
                    continue
                path = folders.join(self.config.inbox, entry.name)
                body = folders.read(path)
                if body is None or folders.stat(path) != entry or len(body) != entry.size:
                    continue  # taken or still changing: the next poll sees it settled
                messages.append(PolledMessage(message_key(entry.name, body), body, "text/csv"))
        return messages

    def acknowledge_messages(self, keys: Sequence[str]) -> None:
        """Move the stored files to the archive, under their own name unless it is taken there. A file whose
        bytes changed since the poll stays, for the next poll to take as a new message."""
        archive = self.config.archive_dir
        with self._folders() as folders:
            folders.make_directory(archive)
            for key in keys:
                path = folders.join(self.config.inbox, file_name(key))
                body = folders.read(path)
                if body is None or message_key(file_name(key), body) != key:
                    continue
                for candidate in _archive_names(file_name(key), key):
                    if folders.move_no_clobber(path, folders.join(archive, candidate)):
                        break

    def read_notification(self, notification: InboundNotification) -> NotificationResult:
        """The shipments of one stored confirmation file; ``PermanentError`` names each bad row and column."""
        key = polled_key(notification)
        name = file_name(key) if key else "the confirmation file"
        notices = read_confirmation(name, notification.body)
        return NotificationResult(
            key=key or message_key("", notification.body),
            shipments=tuple(notices),
            note=f"{len(notices)} shipment(s) in {name}",
        )


def polled_key(notification: InboundNotification) -> str | None:
    """The polled message key (file name and digest) the hub stored the file under: a fetched message comes
    back as method POLL with its key as the path. Only used to label errors."""
    if notification.method == "POLL" and notification.path:
        return notification.path
    return None


def _archive_names(name: str, key: str) -> Iterator[str]:
    """The file's own name, then names with its digest and a counter: an archived file is never replaced."""
    stem, dot, suffix = name.rpartition(".")
    stem, suffix = (stem, dot + suffix) if dot and stem else (name, "")
    digest = key.rpartition(KEY_MARK)[2]
    yield name
    yield f"{stem}.{digest}{suffix}"
    for number in range(2, 1000):
        yield f"{stem}.{digest}-{number}{suffix}"


@contextmanager
def _local() -> Iterator[Folders]:
    yield LocalFolders()
