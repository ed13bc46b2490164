"""The camera list: names read whole at the default window size, a filter box, state icons."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from workers.contracts import CameraConfig, CameraStatus

NAMES = {"entrance": "Entrance (sample video)", "door": "Front door",
         "yard": "Loading yard north gate"}


def window(qtbot, settings: Settings) -> MainWindow:
    console = Console("local", settings, local_cameras=[], local_zones=[], host_workers=False)
    w = MainWindow(console, settings)  # no saved geometry: the default window size
    qtbot.addWidget(w)
    for camera_id, name in NAMES.items():
        console.cameras.add_configured(CameraConfig(camera_id=camera_id, name=name,
                                                    source="x.mp4", group="Site"))
    with qtbot.waitExposed(w):
        w.show()
    return w


def test_camera_names_read_whole_even_with_a_crowded_health_bar(qtbot, settings: Settings) -> None:
    w = window(qtbot, settings)
    health = w.console.health
    for worker in ("camera-1", "camera-2", "detector-1", "detector-2", "notifier-1", "analytics-1"):
        health.starting.add(worker)  # many chips, as after restarts on a broker
    health.changed.emit()
    qtbot.wait(50)
    tree = w.cameras_view.tree
    proxy = w.cameras_view.proxy
    for name in NAMES.values():
        [index] = proxy.match(proxy.index(0, 0), Qt.ItemDataRole.DisplayRole, name, 1,
                              Qt.MatchFlag.MatchRecursive)
        room = tree.visualRect(index).width() - tree.iconSize().width() - 8
        assert tree.fontMetrics().horizontalAdvance(name) <= room, f"{name!r} is cut"
    assert w.width() <= 1600, "the window stays on a 1600 px screen"


def test_the_filter_box_narrows_the_list_to_matching_cameras(qtbot, settings: Settings) -> None:
    w = window(qtbot, settings)
    view = w.cameras_view
    assert view.shown_names() == list(NAMES.values())
    QTest.keyClicks(view.filter, "DOOR")
    assert view.shown_names() == ["Front door"]
    view.filter.clear()
    assert view.shown_names() == list(NAMES.values())


def test_each_camera_shows_its_state_as_an_icon_beside_its_name(qtbot, settings: Settings) -> None:
    w = window(qtbot, settings)
    w.console.cameras.on_status(CameraStatus(camera_id="door", state="offline", fps=0.0))
    view = w.cameras_view
    [index] = view.proxy.match(view.proxy.index(0, 0), Qt.ItemDataRole.DisplayRole, "Front door",
                               1, Qt.MatchFlag.MatchRecursive)
    icon = index.data(Qt.ItemDataRole.DecorationRole)
    assert icon is not None and not icon.isNull()
    color = icon.pixmap(12, 12).toImage().pixelColor(6, 6)
    assert color.red() > 200 and color.green() < 100, "offline reads red at a glance"
