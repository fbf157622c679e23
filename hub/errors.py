"""Errors the hub raises about itself (connectors classify theirs with ``hub.sdk.errors``).

::

    HubError                  anything the CLI reports as one line and a non-zero exit
    ├── ConfigurationError    a setting is missing, malformed or names something unknown
    ├── InputRejected         a file or message given to a command cannot be read or converted
    └── ServiceUnavailable    a configured service (database, broker) cannot be reached
"""

from __future__ import annotations


class HubError(Exception):
    """Base of the hub's own errors; ``str(error)`` is a complete sentence for the user."""

    exit_code = 1


class ConfigurationError(HubError):
    """A setting is wrong; the message names the setting and what to change."""

    exit_code = 2


class InputRejected(HubError):
    """The input names what is wrong and where (field, path, segment)."""

    exit_code = 2


class ServiceUnavailable(HubError):
    """A service the settings point at did not answer."""

    exit_code = 3
