"""A small process supervisor for ``orderhub run``: start each part as ``python -m hub ...``,
stop them all when one exits or when the user interrupts, and return the first non-zero exit code."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from types import FrameType


class Supervisor:
    def __init__(self, commands: list[list[str]], grace_seconds: float = 15.0) -> None:
        self.commands = commands
        self.grace_seconds = grace_seconds
        self.processes: list[subprocess.Popen[bytes]] = []
        self.stopping = False

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.stopping = True

    def run(self) -> int:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._on_signal)
        self.processes = [subprocess.Popen([sys.executable, "-m", "hub", *args]) for args in self.commands]
        exit_code = 0
        while not self.stopping:
            for process in self.processes:
                code = process.poll()
                if code is not None:
                    print(
                        f"orderhub: '{' '.join(process.args[2:])}' exited with {code}; stopping",
                        file=sys.stderr,
                    )  # type: ignore[index]
                    exit_code = code or 1
                    self.stopping = True
                    break
            time.sleep(0.2)
        self._stop_all()
        return exit_code

    def _stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace_seconds
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
