"""The wall's dark palette: the wall, its menus and its dialogs read the same on a light or a dark
desktop theme. A palette, not a style sheet: a style sheet background cascades into popups while
their text keeps the desktop's colour (black on black)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QToolTip, QWidget

_ROLES = {
    QPalette.ColorRole.Window: "#050506",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#16171a",
    QPalette.ColorRole.AlternateBase: "#1e1f23",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#25262b",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.Highlight: "#2e6fb5",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#25262b",
    QPalette.ColorRole.ToolTipText: "#e6e6e6",
    QPalette.ColorRole.PlaceholderText: "#8a8a8a",
    QPalette.ColorRole.Light: "#3a3b40",
    QPalette.ColorRole.Midlight: "#2c2d32",
    QPalette.ColorRole.Mid: "#202125",
    QPalette.ColorRole.Dark: "#0c0c0e",
    QPalette.ColorRole.Shadow: "#000000",
}


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, color in _ROLES.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b6b6b"))
    return palette


def use_dark_tooltips() -> None:
    """Tooltips are the application's in Qt, not a widget's: the wall's dark ones for every
    tooltip, so one over the wall reads the same on a light or a dark desktop theme (and the
    rest of the window's read, dark on any theme, too)."""
    QToolTip.setPalette(dark_palette())


def make_dark(widget: QWidget) -> QWidget:
    """Give a wall widget, or a popup or dialog it opens, the dark palette. Popups are windows:
    they do not inherit their parent's palette, so each one is given it."""
    widget.setPalette(dark_palette())
    widget.setAutoFillBackground(True)
    return widget
