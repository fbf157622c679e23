"""The base of every connector's ``Config``: what the contract suite requires of settings, declared once.

Unknown settings are refused (a misspelt key fails loudly), a built config is immutable, and a refused value
(or, for a missing field, the whole settings dict) never reaches pydantic's error text, where it would print
the secrets beside it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr

NonEmptySecret = Annotated[SecretStr, Field(min_length=1)]


class ConnectorConfig(BaseModel):
    """Derive a connector's ``Config`` from this; type its secret settings ``SecretStr`` (or ``NonEmptySecret``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)
