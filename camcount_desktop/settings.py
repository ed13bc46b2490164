"""What the console remembers between runs (QSettings: the platform's own settings store)."""

from __future__ import annotations

from PySide6.QtCore import QSettings

MAX_TILES = 16


class Settings:
    def __init__(self, store: QSettings | None = None):
        self.store = store or QSettings("CamCount", "camcount-desktop")

    # -- wall ---------------------------------------------------------------------------------
    def layout(self) -> int | None:
        value = self.store.value("wall/layout")
        return int(value) if value is not None and int(value) in (1, 2, 3, 4) else None

    def assignments(self) -> list[str | None] | None:
        """Camera per tile, or None when the wall was never arranged."""
        value = self.store.value("wall/assignments")
        if value is None:
            return None
        cams = [c or None for c in (value if isinstance(value, list) else [value])][:MAX_TILES]
        return cams + [None] * (MAX_TILES - len(cams))

    def save_wall(self, layout: int, assignments: list[str | None]) -> None:
        self.store.setValue("wall/layout", layout)
        self.store.setValue("wall/assignments", [c or "" for c in assignments])
        self.store.sync()

    # -- broker -------------------------------------------------------------------------------
    def broker_url(self) -> str | None:
        """The last broker chosen in the settings dialog ("local" or an amqp URL)."""
        value = self.store.value("broker/url")
        return str(value) if value else None

    def set_broker_url(self, url: str) -> None:
        self.store.setValue("broker/url", url)
        self.store.sync()

    # -- language -----------------------------------------------------------------------------
    def language(self) -> str:
        """The console's language code, or "" to follow the OS (see ``camcount_desktop.i18n``)."""
        return str(self.store.value("ui/language") or "")

    def set_language(self, lang: str) -> None:
        self.store.setValue("ui/language", lang)
        self.store.sync()

    # -- detection (local mode) ---------------------------------------------------------------
    def detector_model(self) -> str | None:
        """The model chosen on the Detection page (weights or an export), for local mode."""
        value = self.store.value("detection/model")
        return str(value) if value else None

    def set_detector_model(self, path: str) -> None:
        self.store.setValue("detection/model", path)
        self.store.sync()

    def models_url(self) -> str | None:
        """Where the Detection page downloads models from, when not the default."""
        value = self.store.value("detection/models_url")
        return str(value) if value else None

    def set_models_url(self, url: str) -> None:
        self.store.setValue("detection/models_url", url)

    # -- alerts -------------------------------------------------------------------------------
    def critical_sound(self) -> bool:
        """Whether a critical alert sounds (off until an operator turns it on)."""
        return str(self.store.value("alerts/critical_sound", "false")).lower() == "true"

    def set_critical_sound(self, on: bool) -> None:
        self.store.setValue("alerts/critical_sound", "true" if on else "false")
        self.store.sync()
