"""The alarm sound for critical alerts, an operator's setting (off by default).

QtMultimedia's ``QSoundEffect`` plays the bundled chime when that module and an audio device are
there; otherwise the desktop's own beep (``QApplication.beep``) stands in. Either way ``played``
counts what was sounded, so a machine without audio hardware can tell that it would have."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtWidgets import QApplication

from camcount_desktop.local_mode import resources_dir
from camcount_desktop.settings import Settings

log = logging.getLogger(__name__)



class AlertSound(QObject):
    #: sounded (with how: "effect" or "beep")
    sounded = Signal(str)

    def __init__(self, settings: Settings, parent: QObject | None = None):
        super().__init__(parent)
        self.settings = settings
        self.enabled = settings.critical_sound()
        self.played = 0
        self._effect = _sound_effect(self)

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        self.settings.set_critical_sound(on)

    def on_critical(self, alert_id: str) -> None:
        if not self.enabled:
            return
        self.played += 1
        if self._effect is not None and self._effect.isLoaded():
            self._effect.play()
            self.sounded.emit("effect")
        else:
            QApplication.beep()
            self.sounded.emit("beep")


def _sound_effect(parent: QObject):  # -> QSoundEffect | None
    try:
        from PySide6.QtMultimedia import QSoundEffect
    except ImportError:  # a PySide6 without QtMultimedia (or its system libraries)
        log.info("QtMultimedia is not available: critical alerts sound the desktop's beep")
        return None
    effect = QSoundEffect(parent)
    effect.setSource(QUrl.fromLocalFile(str(resources_dir() / "sounds" / "critical.wav")))
    return effect
