"""Standard Webhooks signatures: ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``, one per secret.

Signing is done by the ``standardwebhooks`` package, the same code subscribers verify with; this module only
checks the secrets first so that a wrong one is reported as a setting to fix, not as a crash mid-send."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import SecretStr
from standardwebhooks import Webhook

PREFIX = "whsec_"


def signers(secrets: Sequence[SecretStr | None]) -> list[Webhook]:
    """One signer per configured secret; ``ValueError`` naming what is wrong (never the value)."""
    found = []
    for secret in secrets:
        if secret is None:
            continue
        text = secret.get_secret_value().strip()
        if not text.startswith(PREFIX):
            raise ValueError(f"a signing secret must start with {PREFIX} (generate one: orderhub subscriber add)")
        try:
            found.append(Webhook(text))
        except Exception:  # noqa: BLE001 - the library raises plain errors for bad base64; never echo the value
            raise ValueError(f"a signing secret is not {PREFIX} followed by base64") from None
    if not found:
        raise ValueError("no signing secret is set")
    return found


def signature_header(signers_: Sequence[Webhook], message_id: str, timestamp: datetime, body: bytes) -> str:
    """The ``webhook-signature`` value: space-separated signatures, the current secret's first."""
    text = body.decode("utf-8")
    return " ".join(signer.sign(message_id, timestamp, text) for signer in signers_)
