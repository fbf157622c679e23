"""What every command gets: the settings, read on first use so ``--help`` works with a broken environment."""

from __future__ import annotations

from hub.settings import Settings, load_settings


class Context:
    def __init__(self) -> None:
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings
