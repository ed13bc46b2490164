"""The main window's panes across starts: a pane closed with its × comes back from the View menu,
and the alert pane does not reopen empty because the last session left it open."""

from __future__ import annotations

from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings


def started(qtbot, console: Console, settings: Settings) -> MainWindow:
    window = MainWindow(console, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def quit_(window: MainWindow) -> None:
    window.close()  # saves the layout, then asks the session to shut down
    window.close_now()


def view_action(window: MainWindow, text: str):
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    return next(a for a in view.actions() if a.text() == text)


async def test_closed_panes_come_back_from_the_view_menu_after_a_restart(
        qtbot, console: Console, settings: Settings) -> None:
    first = started(qtbot, console, settings)
    cameras, panels = first.reopenable_docks
    cameras.close()
    panels.close()
    quit_(first)

    again = started(qtbot, console, settings)
    cameras, panels = again.reopenable_docks
    assert not cameras.isVisible() and not panels.isVisible(), "kept closed, as left"
    for text, dock in (("Cameras", cameras), ("Panels", panels)):
        action = view_action(again, text)
        assert not action.isChecked()
        action.trigger()
        assert dock.isVisible(), f"View → {text} brings it back"
    again.close_now()


async def test_the_alert_pane_is_not_restored_empty(
        qtbot, console: Console, settings: Settings) -> None:
    first = started(qtbot, console, settings)
    first.alert_dock.show()  # as when an alert was open at quitting
    quit_(first)
    again = started(qtbot, console, settings)
    assert not again.alert_dock.isVisible(), "no alert is chosen yet: the wall keeps the room"
    again.close_now()
