"""The live wall: layouts, full screen and back, drag and drop, saved arrangement."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QDropEvent, QHelpEvent, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QToolTip

from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from camcount_desktop.wall.controller import WallController
from camcount_desktop.wall.tile_view import CAMERA_MIME
from tests.helpers.waiting import until


def window(qtbot, settings: Settings) -> MainWindow:
    console = Console("local", settings, local_cameras=[], local_zones=[], host_workers=False)
    w = MainWindow(console, settings)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    with qtbot.waitActive(w):  # shortcuts go to the active window
        w.show()
        w.activateWindow()
    return w


def visible_tiles(w: MainWindow) -> list[int]:
    return [t.index for t in w.wall_view.tiles if t.isVisible()]


def test_layout_shortcuts_switch_between_1_4_9_and_16_tiles(qtbot, settings: Settings) -> None:
    w = window(qtbot, settings)
    for n in (3, 1, 4, 2):
        QTest.keyClick(w.wall_view, str(n), Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda n=n: len(visible_tiles(w)) == n * n)
        assert w.layout_actions[n].isChecked()


def test_double_click_shows_a_tile_full_screen_and_escape_goes_back(qtbot, settings: Settings) -> None:
    w = window(qtbot, settings)
    wall = w.wall_view
    w.console.wall.set_layout(3)
    qtbot.waitUntil(lambda: len(visible_tiles(w)) == 9)
    tile = wall.tiles[4]
    QTest.mouseDClick(tile, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: visible_tiles(w) == [4])
    qtbot.waitUntil(lambda: tile.width() > wall.width() * 0.9)
    # no click in between: Esc right after the double-click goes back
    QTest.keyClick(w.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: len(visible_tiles(w)) == 9)
    QTest.mouseClick(wall.tiles[2], Qt.MouseButton.LeftButton)  # a click selects the tile...
    QTest.keyClick(wall.tiles[2], Qt.Key.Key_F)  # ...and F works as the double-click does
    qtbot.waitUntil(lambda: visible_tiles(w) == [2])


def test_dropping_a_camera_on_a_tile_shows_it_there_and_moves_it_from_its_old_tile(
        qtbot, settings: Settings) -> None:
    w = window(qtbot, settings)
    tiles = w.wall_view.tiles

    def drop(index: int, camera_id: str) -> None:
        mime = QMimeData()
        mime.setData(CAMERA_MIME, camera_id.encode())
        event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                           Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        tiles[index].dropEvent(event)
        assert event.isAccepted()

    drop(0, "door")
    drop(3, "yard")
    assert tiles[0].state.camera_id == "door" and tiles[3].state.camera_id == "yard"
    drop(3, "door")  # already on the wall: the two swap
    assert tiles[3].state.camera_id == "door" and tiles[0].state.camera_id == "yard"
    assert w.console.wall.cameras_on_screen() == {"door", "yard"}


def test_layout_and_cameras_are_restored_in_the_next_session(qtbot, settings: Settings) -> None:
    first = WallController(settings)
    first.set_layout(3)
    first.assign(5, "door")
    first.assign(8, "yard")
    again = WallController(settings)
    assert again.layout == 3
    assert again.assignments[5] == "door" and again.assignments[8] == "yard"
    assert again.cameras_on_screen() == {"door", "yard"}


def test_a_new_camera_fills_a_free_tile_only_on_a_wall_never_arranged(settings: Settings) -> None:
    wall = WallController(settings)
    wall.offer_camera("door")
    assert wall.assignments[0] == "door"
    wall.assign(1, "yard")  # the user arranges the wall: from now on it is theirs
    wall.offer_camera("gate")
    assert "gate" not in wall.assignments


def test_the_tile_menu_is_readable_on_the_dark_wall_whatever_the_desktop_theme(
        qtbot, settings: Settings) -> None:
    w = window(qtbot, settings)
    # a light desktop theme: black text on white, which the dark wall must not inherit half of
    light = QPalette()
    light.setColor(QPalette.ColorRole.Window, QColor("white"))
    light.setColor(QPalette.ColorRole.WindowText, QColor("black"))
    light.setColor(QPalette.ColorRole.Text, QColor("black"))
    w.setPalette(light)
    menu = w.wall_view.tile_menu(w.wall_view.tiles[0])
    qtbot.addWidget(menu)
    menu.popup(w.wall_view.tiles[0].mapToGlobal(QPoint(10, 10)))
    qtbot.waitExposed(menu)
    shot = menu.grab().toImage()
    background = shot.pixelColor(2, shot.height() // 2)
    assert background.lightness() < 60, "the wall's menus are dark"
    # the menu's text, as drawn: some pixel of it stands out clearly from the background
    text = max(shot.pixelColor(x, y).lightness()
                for x in range(shot.width()) for y in range(shot.height()))
    assert text - background.lightness() > 120, "the menu's text reads against its background"


def _light_palette() -> QPalette:
    """A light desktop theme: black text on white, which the dark wall must not inherit."""
    light = QPalette()
    for role, color in ((QPalette.ColorRole.Window, "white"), (QPalette.ColorRole.Base, "white"),
                        (QPalette.ColorRole.WindowText, "black"),
                        (QPalette.ColorRole.Text, "black"),
                        (QPalette.ColorRole.ToolTipBase, "#ffffdc"),
                        (QPalette.ColorRole.ToolTipText, "black")):
        light.setColor(role, QColor(color))
    return light


def _contrast(widget) -> tuple[int, int]:
    """(background lightness, brightest drawn pixel minus background) of a widget as drawn."""
    shot = widget.grab().toImage()
    background = shot.pixelColor(2, 2).lightness()
    text = max(shot.pixelColor(x, y).lightness()
               for x in range(0, shot.width(), 1) for y in range(0, shot.height(), 1))
    return background, text - background


async def test_tooltips_and_dialogs_on_the_wall_are_dark_and_readable_on_a_light_desktop(
        qtbot, settings: Settings) -> None:
    saved = QApplication.palette(), QToolTip.palette()
    try:
        QApplication.setPalette(_light_palette())  # the desktop's, before the window is built
        QToolTip.setPalette(_light_palette())
        w = window(qtbot, settings)
        tile = w.wall_view.tiles[0]
        QApplication.sendEvent(tile, QHelpEvent(QEvent.Type.ToolTip, QPoint(10, 10),
                                                tile.mapToGlobal(QPoint(10, 10))))
        tip = await until(lambda: next((t for t in QApplication.topLevelWidgets()
                                        if t.metaObject().className() == "QTipLabel"
                                        and t.isVisible()), None), what="the tile's tooltip")
        background, contrast = _contrast(tip)
        assert background < 60 and contrast > 120, (background, contrast)
        QToolTip.hideText()

        # a dialog opened on the wall (a question, a note) takes its palette, not the desktop's
        box = QMessageBox(QMessageBox.Icon.Question, "Remove camera",
                          "Remove this camera from the wall?", parent=w.wall_view)
        qtbot.addWidget(box)
        box.show()
        qtbot.waitExposed(box)
        background, contrast = _contrast(box)
        assert background < 60 and contrast > 120, (background, contrast)
        box.close()
    finally:
        QApplication.setPalette(saved[0])
        QToolTip.setPalette(saved[1])


def test_the_view_menu_shows_each_cameras_latency_in_its_tile_header(
        qtbot, settings: Settings) -> None:
    """Asked from the View menu, a tile's header says how old its picture is: from the camera's
    capture to the tile painting the frame with its boxes."""
    from datetime import UTC, datetime, timedelta

    from PySide6.QtGui import QImage

    from camcount_desktop.wall.frames import DecodedFrame
    from tests.helpers.gui import result

    w = window(qtbot, settings)
    w.console.wall.set_layout(1)
    w.console.wall.assign(0, "door")
    tile = w.wall_view.tiles[0]
    image = QImage(320, 180, QImage.Format.Format_RGB32)
    image.fill(QColor(90, 90, 90))
    captured = datetime.now(UTC) - timedelta(milliseconds=400)  # 0.4 s on the way
    w.console.wall.on_frame(DecodedFrame("door", "door:1", image, 320, 180, captured, 10.0))
    w.console.wall.on_result(result("door", 1, [(40, 30, 120, 170)]))
    qtbot.waitUntil(lambda: "fps" in tile.header_text)
    assert "latency" not in tile.header_text  # not unless asked

    view_menu = next(a.menu() for a in w.menuBar().actions() if a.text() == "&View")
    action = next(a for a in view_menu.actions() if a.text() == "Latency in tile headers")
    action.trigger()
    qtbot.waitUntil(lambda: "latency" in tile.header_text)
    shown_ms = int(tile.header_text.split("latency ")[1].split(" ms")[0])
    assert shown_ms >= 400  # as old as the picture is, at least
    assert shown_ms == round(w.console.wall.state("door").latency * 1000)
    action.trigger()
    qtbot.waitUntil(lambda: "latency" not in tile.header_text)
