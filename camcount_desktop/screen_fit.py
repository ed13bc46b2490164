"""Opening a window no taller than the screen it opens on."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

#: what the window manager's title bar and frame take around a window
FRAME_ROOM = 40


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Resize to ``width`` x ``height``, but no taller than the screen (a 1280x800 laptop): a
    window taller than the screen hides its bottom row, where Save and the reports are. The
    width is kept: these windows are made for 1280 px, the smallest screen a console runs on."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    window.resize(width, min(height, screen.availableGeometry().height() - FRAME_ROOM))
