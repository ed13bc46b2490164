"""Windows open no taller than the screen: on an 800 px high one (a 1280x800 laptop; the
offscreen screen is 800x800) the zone editor's and the analytics window's bottom rows, with
Save and the reports, stay on screen."""

from __future__ import annotations

from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.screen_fit import FRAME_ROOM
from camcount_desktop.settings import Settings


async def test_the_zone_editor_and_analytics_fit_a_small_screen(
        qtbot, console: Console, settings: Settings) -> None:
    window = MainWindow(console, settings)
    qtbot.addWidget(window)
    window.show()
    room = window.screen().availableGeometry()
    assert room.height() < 815, "the test needs a screen smaller than the editor's old height"
    editor = window.admin.open_zones("door")
    window.open_analytics()
    for shown in (editor, window.analytics_view):
        qtbot.waitExposed(shown)
        assert shown.height() <= room.height() - FRAME_ROOM, type(shown).__name__
    assert editor.save_button.isVisible()
    bottom = editor.save_button.mapTo(editor, editor.save_button.rect().bottomLeft()).y()
    assert bottom <= editor.height(), "Save is inside the window"
    editor.close()
