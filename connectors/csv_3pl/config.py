"""Settings of a csv-3pl account: local drop folders, or the same folders on the warehouse's SFTP server.

Without ``sftp_host`` the folders are local directories (a share the warehouse also mounts, or a folder a
sync tool copies); they must be absolute paths, because a relative one would depend on the directory each
worker process happens to start in. With ``sftp_host`` they are paths on that server, and the server's
public host key must be pinned (``sftp_host_key``): an unknown server is refused, never trusted on first
use. Exactly one credential is given, a password or a private key (PEM or OpenSSH text), both kept as
secret references by the hub.

Each rule is checked on the setting it concerns, so a refusal names that setting. The SFTP settings come
first because the rules for the folders depend on whether there is a server.
"""

from __future__ import annotations

import posixpath
from pathlib import PurePosixPath
from typing import TypeVar

from pydantic import Field, SecretStr, ValidationInfo, field_validator

from hub.sdk import HostKeyPin
from hub.sdk.config import ConnectorConfig

T = TypeVar("T")


class Csv3plConfig(ConnectorConfig):
    """Where fulfillment orders are written and shipment confirmations read."""

    sftp_host: str | None = Field(default=None, min_length=1, description="SFTP server; absent for local folders.")
    sftp_port: int = Field(default=22, ge=1, le=65535)
    sftp_username: str | None = Field(default=None, min_length=1, validate_default=True)
    sftp_password: SecretStr | None = None
    sftp_private_key: SecretStr | None = Field(
        default=None, validate_default=True, description="Private key text (PEM or OpenSSH), unencrypted."
    )
    sftp_host_key: str | None = Field(
        default=None,
        validate_default=True,
        description="The server's public host key (`ssh-ed25519 AAAA...`, as ssh-keyscan prints it) or its "
        "SHA256 fingerprint (`SHA256:...`, as ssh-keygen -lf prints it).",
    )
    outbox: str = Field(min_length=1, description="Directory the fulfillment order and cancellation files go to.")
    inbox: str = Field(min_length=1, description="Directory the warehouse leaves shipment confirmations in.")
    archive: str | None = Field(
        default=None,
        min_length=1,
        description="Directory read confirmations are moved to; default: an `archive` directory inside `inbox`.",
    )
    timeout_seconds: float = Field(default=30.0, gt=0, le=600, description="SFTP connect and read time-out.")
    settle_seconds: float = Field(
        default=2.0,
        ge=0,
        le=3600,
        description="A confirmation file changed less than this long ago may still be being written: it is "
        "left for the next poll.",
    )
    bom: bool = Field(
        default=True, description="Start written files with a UTF-8 byte order mark, so Excel reads them as UTF-8."
    )

    @field_validator("sftp_username")
    @classmethod
    def _username_with_host(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _with_host(value, info, required="the user to log in as")

    @field_validator("sftp_password")
    @classmethod
    def _password_with_host(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        return _with_host(value, info, required=None)

    @field_validator("sftp_private_key")
    @classmethod
    def _one_credential(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        _with_host(value, info, required=None)
        if info.data.get("sftp_host") and (value is None) == (info.data.get("sftp_password") is None):
            raise ValueError("give exactly one of sftp_password and sftp_private_key with sftp_host")
        return value

    @field_validator("sftp_host_key")
    @classmethod
    def _pinned_key(cls, value: str | None, info: ValidationInfo) -> str | None:
        _with_host(value, info, required="the server's host key is pinned: an unknown server is refused")
        if value is not None:
            HostKeyPin.parse(value)
        return value

    @field_validator("outbox", "inbox", "archive")
    @classmethod
    def _absolute_locally(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not info.data.get("sftp_host") and not PurePosixPath(value).is_absolute():
            raise ValueError("must be an absolute path for a local directory (such as /srv/3pl/out)")
        return value

    @property
    def uses_sftp(self) -> bool:
        return self.sftp_host is not None

    @property
    def archive_dir(self) -> str:
        """The archive directory: as set, or ``archive`` inside the inbox (created on first use)."""
        return self.archive if self.archive is not None else posixpath.join(self.inbox, "archive")


def _with_host(value: T | None, info: ValidationInfo, *, required: str | None) -> T | None:
    """An SFTP setting: only with ``sftp_host``, and there when it is ``required`` (the reason why)."""
    if info.data.get("sftp_host") is None and "sftp_host" in info.data:
        if value is not None:
            raise ValueError("only applies with sftp_host; set sftp_host or remove it")
    elif required and value is None and info.data.get("sftp_host"):
        raise ValueError(f"required with sftp_host ({required})")
    return value
