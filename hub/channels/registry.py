"""Every channel the hub speaks, by the name used in webhook URLs and settings: each ``Channel`` subclass
defined in a module of ``hub.channels.sources``."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from hub.channels import sources
from hub.channels.base import Channel


class UnknownChannel(LookupError):
    pass


@cache
def all_channels() -> dict[str, Channel]:
    found: dict[str, Channel] = {}
    for module_info in pkgutil.iter_modules(sources.__path__):
        module = importlib.import_module(f"{sources.__name__}.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Channel) and value.__module__ == module.__name__:
                if value.name in found:
                    raise RuntimeError(f"two channels are called {value.name!r}")
                found[value.name] = value()
    return found


def get_channel(name: str) -> Channel:
    channels = all_channels()
    if name not in channels:
        raise UnknownChannel(f"unknown channel {name!r}; channels: {', '.join(sorted(channels))}")
    return channels[name]
