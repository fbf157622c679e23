"""Secrets by reference.

Settings and partner records never hold a secret's value, only where to find it:

* ``env:NAME``   the value of environment variable NAME
* ``file:PATH``  the contents of PATH (trailing newline stripped), e.g. a Docker or Kubernetes secret

The value is read when it is needed and wrapped in ``SecretStr`` so that it never shows in a repr or a log.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import SecretStr

from hub.errors import ConfigurationError

SCHEMES = ("env", "file")


def check_reference(reference: str, name: str = "secret reference") -> str:
    """Return ``reference`` unchanged if it is well formed; raise ConfigurationError otherwise.

    The message names the setting, never the value: a malformed reference is often the secret itself.
    """
    scheme, _, target = reference.partition(":")
    if scheme not in SCHEMES or not target:
        raise ConfigurationError(f"{name} must be a reference of the form env:NAME or file:PATH, not a value")
    return reference


def resolve_secret(reference: str, environ: dict[str, str] | None = None) -> SecretStr:
    """Read the secret a reference points at."""
    scheme, _, target = check_reference(reference).partition(":")
    if scheme == "env":
        env = os.environ if environ is None else environ
        if target not in env:
            raise ConfigurationError(f"secret reference {reference!r}: environment variable {target} is not set")
        return SecretStr(env[target])
    path = Path(target)
    try:
        return SecretStr(path.read_text(encoding="utf-8").rstrip("\n"))
    except OSError as exc:
        raise ConfigurationError(f"secret reference {reference!r}: cannot read {path}: {exc.strerror}") from exc
