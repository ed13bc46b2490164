"""Heatmaps in the console, from heatmap facts stored by a real analytics worker: switched on a
wall tile (over the live picture) and in the analytics window (over the camera's reference
picture), the hot cell is drawn hot where it is and nothing is drawn where nobody was."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime

import cv2
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from tests.helpers.analytics_window import CAMERA, configure_lobby
from tests.helpers.waiting import until
from workers.analytics import AnalyticsWorker
from workers.contracts import Frame, HeatmapFact

GREY = 90  # the reference picture, and the live frames
HOT = 20 * 64 + 40  # row 20, column 40 of 64x36: around (615, 308) in a 960x540 frame


def jpeg(value: int = GREY) -> bytes:
    return cv2.imencode(".jpg", np.full((540, 960, 3), value, np.uint8))[1].tobytes()


async def store_heatmap(console: Console, worker: AnalyticsWorker, hour: datetime) -> None:
    t = console.bus.topology
    fact = HeatmapFact(camera_id=CAMERA, hour_start=hour, first_at=hour, last_at=hour,
                       cols=64, rows=36, frame_width=960, frame_height=540, frames=100,
                       visits=[(HOT, 30), (HOT + 1, 10)], dwell=[(HOT, 5.0), (7, 600.0)],
                       reference_jpeg=jpeg())
    await console.bus.publish(t.camera_events, t.heatmap_key(CAMERA), fact)
    await until(lambda: worker.heatmaps.facts_written >= 1, what="the heatmap stored")


def rgb(image: QImage, x: float, y: float) -> tuple[int, int, int]:
    c = image.pixelColor(round(x), round(y))
    return c.red(), c.green(), c.blue()


def is_hot(colour: tuple[int, int, int]) -> bool:
    """The top of the colour scale (red) over the grey picture."""
    r, g, b = colour
    return r > g + 60 and r > b + 60


def is_untouched(colour: tuple[int, int, int]) -> bool:
    return all(abs(c - GREY) < 12 for c in colour)


@asynccontextmanager
async def live_frames(console: Console):  # type: ignore[no-untyped-def]
    """The lobby's camera sends plain grey frames at 5 frames/s, as a camera worker would."""
    t = console.bus.topology

    async def send() -> None:
        n = 0
        while True:
            n += 1
            await console.bus.publish(t.camera_events, t.frame_key(CAMERA), Frame(
                camera_id=CAMERA, frame_id=f"f{n}", width=960, height=540, fps=5, quality=90,
                jpeg=jpeg()), mandatory=False)
            await asyncio.sleep(0.2)

    task = asyncio.get_running_loop().create_task(send())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_the_heatmap_toggled_on_a_tile_is_drawn_over_the_live_picture(
        qtbot, console: Console, settings: Settings, worker: AnalyticsWorker) -> None:
    await configure_lobby(console)
    await store_heatmap(console, worker, datetime.now(UTC).replace(minute=0, second=0,
                                                                     microsecond=0))
    window = MainWindow(console, settings)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    console.wall.set_layout(1)
    console.wall.assign(0, CAMERA)
    tile = window.wall_view.tiles[0]
    async with live_frames(console):
        await until(lambda: console.wall.state(CAMERA).signal_state() == "live", timeout=10,
                    what="the lobby live on its tile")
        menu = window.wall_view.tile_menu(tile)
        action = next(a for a in menu.actions() if a.text().startswith("Heatmap"))
        assert not action.isChecked()
        action.trigger()
        await until(lambda: console.wall.state(CAMERA).heat is not None, timeout=10,
                    what="the tile's heatmap")
        await asyncio.sleep(0.3)
        shot = tile.grab().toImage()
        area = tile.picture_rect()
        scale = min(area.width() / 960, area.height() / 540)
        x0 = area.x() + (area.width() - 960 * scale) / 2
        y0 = area.y() + (area.height() - 540 * scale) / 2
        assert is_hot(rgb(shot, x0 + 607 * scale, y0 + 307 * scale))  # cell (40, 20)'s middle
        assert is_untouched(rgb(shot, x0 + 850 * scale, y0 + 480 * scale))  # nobody there
        assert "where people walked" in console.wall.state(CAMERA).heat_caption
        # switched off: the picture alone again
        next(a for a in window.wall_view.tile_menu(tile).actions()
             if a.text().startswith("Heatmap")).trigger()
        assert console.wall.state(CAMERA).heat is None
        await asyncio.sleep(0.3)
        assert is_untouched(rgb(tile.grab().toImage(), x0 + 607 * scale, y0 + 307 * scale))


async def test_the_analytics_window_shows_the_heatmap_of_the_chosen_days(
        qtbot, console: Console, settings: Settings, worker: AnalyticsWorker) -> None:
    await configure_lobby(console)
    await store_heatmap(console, worker, datetime(2026, 3, 3, 10, tzinfo=UTC))
    window = MainWindow(console, settings)
    qtbot.addWidget(window)
    window.show()
    window.open_analytics()
    view = window.analytics_view
    await until(lambda: view.camera_box.count() > 0, what="the cameras of the analytics worker")
    await view.controller.wait()
    view.set_days(date(2026, 3, 2), date(2026, 3, 4))
    assert view.heatmap_button.isVisible()
    answers: list[object] = []
    view.heatmap.shown.connect(answers.append)
    QTest.mouseClick(view.heatmap_button, Qt.MouseButton.LeftButton)
    await until(lambda: answers, timeout=10, what="the heatmap on screen")
    assert view.chart_stack.currentWidget() is view.heatmap
    assert "Busiest cell: 30 visit(s) (column 41, row 21 of 64x36); 40 visits in all" \
        in view.heatmap.caption.text()
    shown = view.heatmap.image.pixmap().toImage()
    sx, sy = shown.width() / 960, shown.height() / 540
    assert is_hot(rgb(shown, 607 * sx, 307 * sy))
    assert is_untouched(rgb(shown, 100 * sx, 500 * sy))
    # where people stand longest: the corner cell 7 (row 0, column 7) now, the door cell barely
    view.heatmap.what_box.setCurrentIndex(1)
    assert "Longest stays: 600 s" in view.heatmap.caption.text()
    shown = view.heatmap.image.pixmap().toImage()
    assert is_hot(rgb(shown, 112 * sx, 7 * sy))
    # another day: nobody, said in words
    view.set_days(date(2026, 3, 5), date(2026, 3, 5))
    QTest.mouseClick(view.show_button, Qt.MouseButton.LeftButton)
    await until(lambda: len(answers) == 2, timeout=10, what="the other days' heatmap")
    assert "No one was seen" in view.status.text()
    # today: not "no one was seen", the detectors send what they gathered every 5 minutes
    view.set_days(date.today(), date.today())
    QTest.mouseClick(view.show_button, Qt.MouseButton.LeftButton)
    await until(lambda: len(answers) == 3, timeout=10, what="today's heatmap")
    assert "yet: the detectors send where people walked every 5 minutes" in view.status.text()
    # back to the chart
    QTest.mouseClick(view.heatmap_button, Qt.MouseButton.LeftButton)
    assert view.chart_stack.currentWidget() is view.chart
