"""The demo's configuration, made with the same functions ``orderhub channel add``, ``connector add``,
``location add``, ``partners add`` and ``stock`` use: two channel accounts whose webhook secrets live in a
generated file under the data dir, three warehouses, and a drop-ship supplier reached over X12 by mailbox.

Every path the demo writes (secrets, the 3PL's folders, the supplier's mailbox) is under ``<data dir>/demo``,
so the demo never reaches outside the hub's own folder.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from hub.channels.accounts import SHIP_WITHIN_DAYS as SHIP_WITHIN
from hub.db.models import ChannelAccount
from hub.delivery.accounts import save_account
from hub.demo.catalog import Product, opening_stock
from hub.edi.partners import parse_profile, save_partner
from hub.inventory import Reason, adjust, parse_location, save_location

SOURCE = "demo"
MARKER = "demo"  # a setting every demo channel account carries: what tells demo data from real data
SHOPIFY = ("shopify", "demo-shopify")
WOOCOMMERCE = ("woocommerce", "demo-woocommerce")
CHANNELS = (SHOPIFY, WOOCOMMERCE)
# What each shop promises its buyers: ships within N business days (the orders' ship-by day, hub.orders.ship_by).
SHIP_WITHIN_DAYS = {"shopify": 1, "woocommerce": 2}
SUPPLIER = "LUMEN"  # the drop-ship supplier's partner id (and ISA id)
SUPPLIER_LOCATION = "lumen-dropship"
WAREHOUSES = ("newark-dc", "reno-3pl", "dallas-dc")


@dataclass(frozen=True)
class Folders:
    """Where the demo's files live: under ``<data dir>/demo``."""

    root: Path

    @property
    def secrets(self) -> Path:
        return self.root / "secrets"

    @property
    def three_pl(self) -> Path:
        return self.root / "3pl-reno"

    @property
    def mailbox(self) -> Path:
        return self.root / "edi-lumen"

    def make(self) -> None:
        for folder in (self.secrets, self.three_pl / "out", self.three_pl / "in", *self.mailbox_dirs()):
            folder.mkdir(parents=True, exist_ok=True)

    def mailbox_dirs(self) -> tuple[Path, Path]:
        return self.mailbox / "to-lumen", self.mailbox / "from-lumen"


def webhook_secret(folders: Folders, channel: str) -> str:
    """The channel account's signing secret: generated once into a file, kept across ``--reset``."""
    path = folders.secrets / f"{channel}-webhook.secret"
    if not path.exists():
        path.write_text(secrets.token_hex(24), encoding="ascii")
        path.chmod(0o600)
    return path.read_text(encoding="ascii").strip()


def add_channels(session: Session, folders: Folders) -> None:
    for channel, account in CHANNELS:
        webhook_secret(folders, channel)
        reference = f"file:{folders.secrets / f'{channel}-webhook.secret'}"
        settings = {
            "webhook_secrets": [reference],
            SHIP_WITHIN: SHIP_WITHIN_DAYS[channel],
            MARKER: "loaded by orderhub demo; orderhub demo --reset reloads",
        }
        session.add(ChannelAccount(channel=channel, account=account, settings=settings))


def add_fulfillers(session: Session, folders: Folders, catalog: list[Product]) -> None:
    """Who fulfils the warehouses: the operator (``self``), a CSV-file 3PL, and a ``self`` account."""
    out, inbox = folders.three_pl / "out", folders.three_pl / "in"
    save_account(session, "csv-3pl", "reno", {"outbox": str(out), "inbox": str(inbox)}, {})
    save_account(session, "self", "dallas", {}, {})
    to_partner, from_partner = folders.mailbox_dirs()
    profile = {
        "theirs": {"qualifier": "ZZ", "id": SUPPLIER, "gs_id": SUPPLIER},
        "ours": {"qualifier": "ZZ", "id": "ORDERHUBDEMO", "gs_id": "ORDERHUBDEMO"},
        "control_version": "00401",
        "gs_version": "004010",
        "items": [{"partner_item": f"LU-{p.sku}", "sku": p.sku, "qualifier": "VN"} for p in catalog if p.dropship],
        "transports": [{"type": "mailbox", "inbound": str(from_partner), "outbound": str(to_partner)}],
        # Lumen acknowledges within 4 hours, and takes cancellations only as 860s: a cancelled drop-ship order
        # goes out as an 860 (BCH01 01).
        "supplier": {"ack_within": "4h", "cancel_with": "860", "costs": _costs(catalog)},
    }
    save_partner(session, SUPPLIER, name="Lumen Home (drop-ship)", kind="supplier", profile=parse_profile(profile))


def _costs(catalog: list[Product]) -> dict[str, str]:
    """What the hub pays the supplier per unit: about half the retail price."""
    return {p.sku: str((p.price / 2).quantize(p.price)) for p in catalog if p.dropship}


LOCATIONS = (
    {
        "id": "newark-dc",
        "name": "Newark DC (our own)",
        "kind": "warehouse",
        "fulfilled_by": "self",
        "priority": 10,
        "address": {"line1": "1 Dock Road", "city": "Newark", "region": "NJ", "postal_code": "07102", "country": "US"},
        "coordinates": {"latitude": 40.73, "longitude": -74.17},
    },
    {
        "id": "reno-3pl",
        "name": "Reno 3PL (CSV files)",
        "kind": "3pl",
        "fulfilled_by": "csv-3pl:reno",
        "priority": 20,
        "address": {
            "line1": "400 Logistics Way",
            "city": "Reno",
            "region": "NV",
            "postal_code": "89502",
            "country": "US",
        },
        "coordinates": {"latitude": 39.53, "longitude": -119.81},
    },
    {
        "id": "dallas-dc",
        "name": "Dallas DC",
        "kind": "warehouse",
        "fulfilled_by": "self:dallas",
        "priority": 30,
        "address": {
            "line1": "75 Commerce Street",
            "city": "Dallas",
            "region": "TX",
            "postal_code": "75201",
            "country": "US",
        },
        "coordinates": {"latitude": 32.78, "longitude": -96.80},
    },
    {
        "id": SUPPLIER_LOCATION,
        "name": "Lumen Home (drop-ship)",
        "kind": "supplier",
        "fulfilled_by": f"edi:{SUPPLIER}",
        "priority": 90,
        "partner_id": SUPPLIER,
        "coordinates": {"latitude": 35.23, "longitude": -80.84},
    },
)


def add_locations(session: Session, rng: random.Random, catalog: list[Product]) -> int:
    """The four locations and their opening stock (received into the ledger); returns the units received."""
    for document in LOCATIONS:
        save_location(session, parse_location({**document, "capabilities": ["ship"]}))
    units = 0
    for (sku, location), quantity in opening_stock(rng, catalog, WAREHOUSES).items():
        adjust(session, sku, location, quantity, reason=Reason.RECEIPT, reference="demo-opening-stock", source=SOURCE)
        units += quantity
    return units
