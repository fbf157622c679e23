"""The SFTP server key an account trusts, pinned in its settings: there is no trust on first use.

Either the public key line (``ssh-ed25519 AAAA...``; a ``known_hosts`` or ``ssh-keyscan`` line with the host
name in front is accepted as well), or its SHA-256 fingerprint exactly as ``ssh-keygen -lf`` prints it
(``SHA256:`` and unpadded base64). MD5 fingerprints are refused: too weak to pin a server by.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

# The host key algorithms paramiko negotiates for each kind of server key.
KEY_TYPES: dict[str, tuple[str, ...]] = {
    "ssh-ed25519": ("ssh-ed25519",),
    "ecdsa-sha2-nistp256": ("ecdsa-sha2-nistp256",),
    "ecdsa-sha2-nistp384": ("ecdsa-sha2-nistp384",),
    "ecdsa-sha2-nistp521": ("ecdsa-sha2-nistp521",),
    "ssh-rsa": ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"),
}
ALL_ALGORITHMS = tuple(algorithm for algorithms in KEY_TYPES.values() for algorithm in algorithms)
FORMS = (
    "sftp_host_key must be the server's public key line (ssh-ed25519 AAAA..., as ssh-keyscan prints it) or its"
    " fingerprint as ssh-keygen -lf prints it (SHA256:...); MD5 fingerprints are not accepted"
)


def fingerprint_of(blob: bytes) -> str:
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class HostKeyPin:
    fingerprint: str
    key_type: str | None = None  # known when a whole key was pinned: only that type is asked for

    @classmethod
    def parse(cls, text: str) -> HostKeyPin:
        """The pin, or ``ValueError`` naming the accepted forms."""
        words = text.split()
        if len(words) == 1 and words[0].startswith("SHA256:") and len(words[0]) > len("SHA256:"):
            return cls(words[0])
        for index, word in enumerate(words[:2]):  # a key line, perhaps with the host name in front
            if word in KEY_TYPES and index + 1 < len(words):
                try:
                    blob = base64.b64decode(words[index + 1], validate=True)
                except (binascii.Error, ValueError):
                    break
                return cls(fingerprint_of(blob), word)
        raise ValueError(FORMS)

    def algorithms(self) -> tuple[str, ...]:
        return KEY_TYPES[self.key_type] if self.key_type else ALL_ALGORITHMS

    def matches(self, blob: bytes) -> bool:
        return hmac.compare_digest(fingerprint_of(blob), self.fingerprint)
