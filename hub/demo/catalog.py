"""The demo's made-up business: what it sells, where it keeps stock, and who buys.

Everything here is plain data drawn from one ``random.Random`` seeded by ``--seed``, so the same seed gives
the same catalog, stock and customers on every run and every database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

# (prefix, product name, price, grams); each product comes in the variants below.
PRODUCTS = (
    ("MUG", "Enamel Mug", "18.00", 350),
    ("TEE", "Organic Tee", "32.00", 220),
    ("HOOD", "Fleece Hoodie", "64.00", 640),
    ("SOCK", "Wool Socks 3-pack", "24.50", 180),
    ("CAP", "Canvas Cap", "22.00", 120),
    ("BAG", "Market Tote", "28.00", 300),
    ("BTL", "Steel Bottle", "26.00", 410),
    ("NOTE", "Dot-grid Notebook", "14.00", 260),
    ("SCARF", "Merino Scarf", "48.00", 200),
    ("APRON", "Denim Apron", "38.00", 450),
)
COLOURS = ("BLK", "GRY", "NVY", "OLV", "RST", "SND")
SIZES = ("S", "M", "L", "XL", "XXL")
# The long tail a drop-ship supplier carries: the hub never holds these, the supplier ships them.
SUPPLIER_PRODUCTS = (("LAMP", "Brass Desk Lamp", "89.00", 1800), ("RUG", "Wool Rug", "149.00", 4200))
SUPPLIER_STYLES = ("ARC", "DOME", "FLAT", "RIB", "WAVE", "GRID", "LINE", "DOT", "STAR", "LEAF")
# Sold out everywhere, and asked for all week (hub.demo.plan): their units wait, backordered, for days.
SOLD_OUT = ("HOOD-OLV-XL", "SCARF-RST-M", "BTL-NVY-S")


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price: Decimal
    grams: int
    dropship: bool = False


@dataclass(frozen=True)
class Customer:
    first_name: str
    last_name: str
    email: str
    line1: str
    city: str
    region: str
    region_name: str
    postal_code: str
    latitude: float
    longitude: float


def products() -> list[Product]:
    """About three hundred SKUs: ten products in colours and sizes, and the supplier's twenty lamps and rugs."""
    found = []
    for prefix, name, price, grams in PRODUCTS:
        for colour in COLOURS:
            for size in SIZES:
                found.append(Product(f"{prefix}-{colour}-{size}", f"{name} - {colour} / {size}", Decimal(price), grams))
    for prefix, name, price, grams in SUPPLIER_PRODUCTS:
        for style in SUPPLIER_STYLES:
            found.append(Product(f"{prefix}-{style}", f"{name} - {style.title()}", Decimal(price), grams, True))
    return found


FIRST_NAMES = (
    "Ada",
    "Grace",
    "Alan",
    "Katherine",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "Ken",
    "Radia",
    "Linus",
    "Margaret",
    "Dennis",
    "Hedy",
    "Tim",
    "Annie",
    "John",
    "Mary",
    "Niklaus",
    "Sophie",
)
LAST_NAMES = (
    "Lovelace",
    "Hopper",
    "Turing",
    "Johnson",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Perlman",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Lamarr",
    "Berners-Lee",
    "Easley",
    "Backus",
    "Wirth",
)
# (city, region code, region name, postal code, latitude, longitude)
CITIES = (
    ("New York", "NY", "New York", "10001", 40.75, -73.99),
    ("Boston", "MA", "Massachusetts", "02108", 42.36, -71.06),
    ("Philadelphia", "PA", "Pennsylvania", "19103", 39.95, -75.17),
    ("Arlington", "VA", "Virginia", "22201", 38.88, -77.10),
    ("Atlanta", "GA", "Georgia", "30303", 33.75, -84.39),
    ("Chicago", "IL", "Illinois", "60601", 41.88, -87.62),
    ("Denver", "CO", "Colorado", "80202", 39.75, -104.99),
    ("Austin", "TX", "Texas", "78701", 30.27, -97.74),
    ("Phoenix", "AZ", "Arizona", "85004", 33.45, -112.07),
    ("Seattle", "WA", "Washington", "98101", 47.61, -122.33),
    ("Portland", "OR", "Oregon", "97204", 45.52, -122.68),
    ("San Francisco", "CA", "California", "94103", 37.77, -122.41),
    ("Los Angeles", "CA", "California", "90012", 34.05, -118.24),
    ("Minneapolis", "MN", "Minnesota", "55401", 44.98, -93.27),
)
STREETS = ("Main Street", "Oak Avenue", "Maple Drive", "Cedar Lane", "Elm Street", "Park Road", "Lake View")


def customers(rng: random.Random, count: int = 60) -> list[Customer]:
    found = []
    for n in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city, region, region_name, postal, lat, lon = rng.choice(CITIES)
        email = f"{first.lower()}.{last.lower().replace('-', '')}{n}@example.com"
        line1 = f"{rng.randint(1, 999)} {rng.choice(STREETS)}"
        found.append(Customer(first, last, email, line1, city, region, region_name, postal, lat, lon))
    return found


def opening_stock(
    rng: random.Random, catalog: list[Product], warehouses: tuple[str, ...]
) -> dict[tuple[str, str], int]:
    """Units on hand by (SKU, location): each warehouse SKU at one to three warehouses, a few sold out
    everywhere (so some orders wait for stock), and the supplier's SKUs only at the supplier."""
    stock: dict[tuple[str, str], int] = {}
    for product in catalog:
        if product.dropship:
            stock[(product.sku, "lumen-dropship")] = rng.randint(20, 200)
            continue
        if rng.random() < 0.03 or product.sku in SOLD_OUT:
            continue  # sold out: orders for it wait (backordered) until stock arrives
        for location in rng.sample(warehouses, rng.randint(1, len(warehouses))):
            stock[(product.sku, location)] = rng.randint(4, 60)
    return stock
