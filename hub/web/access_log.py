"""gunicorn's access log without the secret some URLs carry: a partner that signs nothing (ShipStation) proves
itself with a token as the last part of its webhook URL (``/webhooks/connectors/<connector>/<account>/<token>``),
and the request line would otherwise write that token to every log line."""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

_WEBHOOK_TOKEN = re.compile(r"(/webhooks/connectors/[^/?#\s]+/[^/?#\s]+/)[^/?#\s]+")


def redact_path(text: str) -> str:
    """``text`` with the token of any connector webhook URL in it replaced by ``***``."""
    return _WEBHOOK_TOKEN.sub(r"\1***", text)


class RedactingLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger, with the request line and path of each access log entry redacted."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact_path(atoms[key])
        return atoms
