"""A real OpenSSH server on loopback for the SFTP tests, with everything it needs made up for the session.

sshd runs in the foreground (``-D -e``) from a generated ``sshd_config`` on a free port, with two generated
host keys (ed25519 and RSA), so pinning can be tested against a server that has several. It serves SFTP only
(``internal-sftp``), to one throwaway local user created for the session with a random password and the
session's client key in its ``authorized_keys``; the user has no shell and is deleted at the end. Creating
the user needs root, as the suite's other services do. If sshd is missing or does not start, ``start``
raises, and the fixture using it fails the tests: they are never skipped.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.processes import free_port, wait_for

SSHD = Path("/usr/sbin/sshd")
SSH_KEYGEN = "ssh-keygen"
# Only needed by OpenSSH 9.8 and later, which would slow down a client after a few refused logins.
OPTIONAL_SETTINGS = ("PerSourcePenalties no",)


class SshdError(RuntimeError):
    pass


def _run(*args: str, stdin: str | None = None) -> str:
    result = subprocess.run(list(args), input=stdin, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise SshdError(f"{' '.join(args[:2])} failed: {(result.stderr or result.stdout).strip()}")
    return result.stdout


def keygen(path: Path, kind: str = "ed25519", passphrase: str = "") -> Path:
    """A new key pair at ``path`` and ``path.pub`` (OpenSSH format)."""
    _run(SSH_KEYGEN, "-q", "-t", kind, "-N", passphrase, "-C", "orderhub-test", "-f", str(path))
    return path


def openssh_fingerprint(public_key: Path) -> str:
    """The fingerprint as ``ssh-keygen -lf`` prints it (``SHA256:...``)."""
    return _run(SSH_KEYGEN, "-l", "-E", "sha256", "-f", str(public_key)).split()[1]


@dataclass
class Sshd:
    root: Path
    port: int = 0
    user: str = ""
    password: str = ""
    process: subprocess.Popen[bytes] | None = None
    created_user: bool = False
    host_keys: dict[str, Path] = field(default_factory=dict)

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def client_key(self) -> Path:
        return self.root / "client_ed25519"

    @property
    def log(self) -> Path:
        return self.root / "sshd.log"

    def fingerprint(self, kind: str = "ed25519") -> str:
        return openssh_fingerprint(self.host_keys[kind].with_suffix(".pub"))

    def public_key_line(self, kind: str = "ed25519") -> str:
        return " ".join(self.host_keys[kind].with_suffix(".pub").read_text().split()[:2])

    def transport(self, **changes: Any) -> dict[str, Any]:
        """An SFTP transport for a partner profile: key authentication, the ed25519 host key pinned, remote
        directories that do not exist until given; a change of None removes the setting."""
        settings: dict[str, Any] = {
            "type": "sftp",
            "host": "127.0.0.1",
            "port": self.port,
            "username": self.user,
            "private_key": f"file:{self.client_key}",
            "host_key": self.fingerprint("ed25519"),
            "inbound": str(self.home / "missing-in"),
            "outbound": str(self.home / "missing-out"),
            "timeout_seconds": 10,
        }
        settings.update(changes)
        return {key: value for key, value in settings.items() if value is not None}

    def directory(self, name: str) -> Path:
        """A fresh directory in the user's home that the user owns (so it may upload, rename and remove)."""
        path = self.home / f"{name}-{secrets.token_hex(4)}"
        path.mkdir()
        account = pwd.getpwnam(self.user)
        os.chown(path, account.pw_uid, account.pw_gid)
        return path

    # -- lifecycle --

    def start(self) -> None:
        if not SSHD.exists():
            raise SshdError(f"{SSHD} is missing: run `bash scripts/services install` (package openssh-server)")
        if os.geteuid() != 0:
            raise SshdError("the SFTP tests create a throwaway local user for sshd, which needs root")
        self.root.chmod(0o711)  # the user must reach its home inside
        for kind in ("ed25519", "rsa"):
            self.host_keys[kind] = keygen(self.root / f"host_{kind}", kind)
        keygen(self.client_key)
        self._create_user()
        Path("/run/sshd").mkdir(mode=0o755, parents=True, exist_ok=True)  # sshd's privilege separation dir
        self.port = free_port()
        config = self._write_config()
        with self.log.open("wb") as out:
            self.process = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(config)], stdout=out, stderr=out)
        try:
            wait_for(self._listening, "sshd to listen", limit=20, every=0.05)
        except AssertionError as exc:
            raise SshdError(f"sshd did not start: {self.log.read_text().strip()}") from exc

    def _create_user(self) -> None:
        self.user = f"ohsftp{secrets.token_hex(4)}"
        self.password = secrets.token_urlsafe(18)
        self.home.mkdir()
        for _ in range(20):  # another session's useradd may hold the passwd lock for a moment
            result = subprocess.run(
                ["useradd", "-M", "-d", str(self.home), "-s", "/usr/sbin/nologin", self.user],
                capture_output=True,
                text=True,
                timeout=60,
            )
            if result.returncode == 0:
                break
            time.sleep(0.2)
        else:
            raise SshdError(f"useradd {self.user} failed: {result.stderr.strip()}")
        self.created_user = True
        _run("chpasswd", stdin=f"{self.user}:{self.password}\n")
        account = pwd.getpwnam(self.user)
        os.chown(self.home, account.pw_uid, account.pw_gid)
        shutil.copyfile(self.client_key.with_suffix(".pub"), self.home / "authorized_keys")

    def _write_config(self) -> Path:
        lines = [
            "ListenAddress 127.0.0.1",
            f"Port {self.port}",
            *(f"HostKey {path}" for path in self.host_keys.values()),
            f"PidFile {self.root / 'sshd.pid'}",
            f"AuthorizedKeysFile {self.home / 'authorized_keys'}",
            "StrictModes no",
            "UsePAM no",
            "PubkeyAuthentication yes",
            "PasswordAuthentication yes",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin no",
            f"AllowUsers {self.user}",
            "Subsystem sftp internal-sftp",
            "ForceCommand internal-sftp",
            "DisableForwarding yes",
            "PermitTTY no",
            "MaxStartups 100",
            "LogLevel VERBOSE",
        ]
        config = self.root / "sshd_config"
        for optional in OPTIONAL_SETTINGS:
            config.write_text("\n".join([*lines, optional]) + "\n")
            if subprocess.run([str(SSHD), "-t", "-f", str(config)], capture_output=True).returncode == 0:
                lines.append(optional)
        config.write_text("\n".join(lines) + "\n")
        _run(str(SSHD), "-t", "-f", str(config))
        return config

    def _listening(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError("sshd exited")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.created_user:
            subprocess.run(["userdel", self.user], capture_output=True, timeout=60)
            self.created_user = False
        shutil.rmtree(self.root, ignore_errors=True)


def start_sshd() -> Sshd:
    server = Sshd(Path(tempfile.mkdtemp(prefix="orderhub-sshd-")))
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server
