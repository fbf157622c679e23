"""Errors the routing engine raises about its input; deciding itself never fails on stock or rules.

::

    RoutingInputError        the input names what is wrong and where; the CLI prints it as one line
    ├── RuleFileError        a rule file is not valid: the message names the file and the path in it
    └── SnapshotError        a stock snapshot is not valid: the message names the field path

An order that cannot be filled is not an error: it is a decision that holds the order, with the reason.
"""

from __future__ import annotations


class RoutingInputError(ValueError):
    """Input to routing (rules, snapshot) is malformed; ``str(error)`` says what, where and what to do."""


class RuleFileError(RoutingInputError):
    """A rule file cannot be used: unknown step, bad parameter, not YAML, duplicate rule name ..."""


class SnapshotError(RoutingInputError):
    """A stock snapshot does not describe locations and stock the engine can read."""
