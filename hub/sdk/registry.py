"""Connector discovery through the ``orderhub.connectors`` entry-point group.

Built-in connectors register exactly like third-party ones: one line in their distribution's metadata,
``<name> = <module>:<Class>``. Nothing is imported until a connector is asked for by name.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points

from hub.sdk.protocol import Connector

GROUP = "orderhub.connectors"


class UnknownConnector(LookupError):
    """No connector is registered under that name; the message lists the ones that are."""


def available_connectors() -> dict[str, EntryPoint]:
    return {entry.name: entry for entry in entry_points(group=GROUP)}


def load_connector(name: str) -> type[Connector]:
    """The connector class registered as ``name``; checks it honours the contract."""
    known = available_connectors()
    if name not in known:
        listing = ", ".join(sorted(known)) or "none are installed"
        raise UnknownConnector(f"no connector named {name!r}; known connectors: {listing}")
    loaded = known[name].load()
    contract = ("name", "kind", "Config", "check")
    if not isinstance(loaded, type) or not all(hasattr(loaded, attr) for attr in contract):
        raise TypeError(f"entry point {name!r} ({known[name].value}) does not satisfy hub.sdk.Connector")
    calls_itself = getattr(loaded, "name", None)
    if calls_itself != name:
        raise TypeError(f"entry point {name!r} loads a connector that calls itself {calls_itself!r}")
    connector: type[Connector] = loaded
    return connector
