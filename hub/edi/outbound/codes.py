"""Codes written the way the hub's inbound mappings read them: their lookup tables, reversed.

An inbound mapping turns a code into a canonical value with a table (850 BEG01 ``00`` -> purpose "original",
TD512 ``CG`` -> service "Ground"). Writing reverses the same table, so the two directions keep one list and a
value written is read back unchanged. When several codes read as one value, the first in the table is written.
"""

from __future__ import annotations

from functools import cache

from hub.edi.outbound.body import Src
from hub.mapping import load_mapping

MAX_SERVICE_CODE = 2  # TD512, data element 284: ID 1/2


@cache
def reverse_table(mapping: str, table: str) -> dict[str, str]:
    """Canonical value -> code for ``table`` of the inbound ``mapping`` ("x12/850"); empty when it has none."""
    out: dict[str, str] = {}
    for code, value in load_mapping(mapping).spec.tables.get(table, {}).items():
        out.setdefault(str(value), str(code))
    return out


def service_level(value: str | None, field: str, mapping: str) -> Src | None:
    """TD512 for a service: the code the mapping's service_levels table reads as ``value``, or ``value`` itself
    when it is already such a code ("CG"); None for a service X12 has no code for ("2nd Day"), which is not sent."""
    if value is None:
        return None
    code = reverse_table(mapping, "service_levels").get(value)
    if code is not None:
        return Src(code, field)
    if value.isalnum() and value.isupper() and len(value) <= MAX_SERVICE_CODE:
        return Src(value, field)
    return None
