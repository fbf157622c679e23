"""Settings of a csv-journal account: where the journal files go (a local directory, or one on an SFTP
server whose host key is pinned), beside the accounting settings every accounting destination has
(``mapping_file``, ``recognise_on``, ``books_from``, ``export_every_minutes``).

The SFTP settings have the names and rules of csv-3pl's (``hub.sdk.sftp.SftpSettings``): without
``sftp_host`` the directory is local and must be absolute; with it, a user, exactly one credential (password
or private key) and the pinned host key.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from pydantic import Field, SecretStr, ValidationInfo, field_validator

from hub.sdk import AccountingConfig, HostKeyPin


class CsvJournalConfig(AccountingConfig):
    sftp_host: str | None = Field(default=None, min_length=1, description="SFTP server; absent for a local directory.")
    sftp_port: int = Field(default=22, ge=1, le=65535)
    sftp_username: str | None = Field(default=None, min_length=1, validate_default=True)
    sftp_password: SecretStr | None = None
    sftp_private_key: SecretStr | None = Field(default=None, validate_default=True)
    sftp_host_key: str | None = Field(
        default=None, validate_default=True, description="The server's public key line or SHA256 fingerprint."
    )
    # after the SFTP settings, so its check knows whether the directory is local
    directory: str = Field(min_length=1, description="Directory the journal files are written to.")
    timeout_seconds: float = Field(default=30.0, gt=0, le=600, description="SFTP connect and read time-out.")
    bom: bool = Field(default=True, description="Start files with a UTF-8 byte order mark (Excel reads them as UTF-8).")

    @field_validator("sftp_username", "sftp_password", "sftp_private_key", "sftp_host_key")
    @classmethod
    def _only_with_host(cls, value: Any, info: ValidationInfo) -> Any:
        host = info.data.get("sftp_host")
        if host is None and "sftp_host" in info.data and value is not None:
            raise ValueError("only applies with sftp_host; set sftp_host or remove it")
        if host is None:
            return value
        if info.field_name == "sftp_username" and value is None:
            raise ValueError("required with sftp_host (the user to log in as)")
        if info.field_name == "sftp_private_key" and (value is None) == (info.data.get("sftp_password") is None):
            raise ValueError("give exactly one of sftp_password and sftp_private_key with sftp_host")
        if info.field_name == "sftp_host_key":
            if value is None:
                raise ValueError("required with sftp_host (the server's host key is pinned: an unknown one is refused)")
            HostKeyPin.parse(value)
        return value

    @field_validator("directory")
    @classmethod
    def _absolute_locally(cls, value: str, info: ValidationInfo) -> str:
        if not info.data.get("sftp_host") and not PurePosixPath(value).is_absolute():
            raise ValueError("must be an absolute path for a local directory (such as /srv/books)")
        return value

    @property
    def uses_sftp(self) -> bool:
        return self.sftp_host is not None
