"""Errors about available-to-sell input; computing itself never fails on stock.

::

    InputRejected (hub.errors)
    └── AvailabilityRulesError   a rule file cannot be used: the message names the file, the path in it and
        │                        what to change
        └── SharesExceedStock    exclusive shares of the channels one location feeds add up to more than 100%
"""

from __future__ import annotations

from hub.errors import InputRejected


class AvailabilityRulesError(InputRejected):
    """A rule file is not valid YAML/JSON, breaks the schema, or repeats a channel account."""


class SharesExceedStock(AvailabilityRulesError):
    """With ``shares: exclusive``, a location would promise more than its stock across channel accounts."""
