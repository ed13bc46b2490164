"""Showing faces from a wall tile: offered only on a picture with people hidden, logged (by the
console's account) before the pictures as taken are followed, and logged again when stopped."""

from __future__ import annotations

import asyncio

import cv2
import numpy as np

from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from tests.helpers.waiting import until, until_fetched
from workers.analytics import AnalyticsWorker
from workers.contracts import Frame
from workers.contracts.queries import FacesViewsQuery

CAMERA = "gate"


def jpeg(value: int) -> bytes:
    return cv2.imencode(".jpg", np.full((360, 640, 3), value, np.uint8))[1].tobytes()


async def detector_pictures(console: Console) -> None:
    """What a detector publishes with privacy ``blur``: each frame with people hidden (dark)
    on camera.view, and as taken (bright) on camera.faces."""
    t = console.bus.topology
    n = 0
    while True:
        n += 1
        for exchange, key, value, hidden in ((t.camera_events, t.view_key(CAMERA), 40, True),
                                             (t.camera_faces, t.faces_key(CAMERA), 220, False)):
            await console.bus.publish(exchange, key, Frame(
                camera_id=CAMERA, frame_id=f"f{n}", width=640, height=360, fps=5, quality=90,
                jpeg=jpeg(value), people_hidden=hidden), mandatory=False)
        await asyncio.sleep(0.2)


def faces_action(window: MainWindow):  # type: ignore[no-untyped-def]
    return next((a for a in window.wall_view.tile_menu(window.wall_view.tiles[0]).actions()
                 if a.text().startswith("Show faces")), None)


async def test_faces_are_shown_only_after_the_view_is_logged_and_the_stop_is_logged_too(
        qtbot, console: Console, settings: Settings, worker: AnalyticsWorker) -> None:
    window = MainWindow(console, settings)
    qtbot.addWidget(window)
    window.show()
    console.wall.set_layout(1)
    console.wall.assign(0, CAMERA)
    state = console.wall.state(CAMERA)
    task = asyncio.get_running_loop().create_task(detector_pictures(console))
    try:
        await until(lambda: state.shown is not None, timeout=10, what="the gate's picture")
        assert state.shown.frame.people_hidden and not state.shown.frame.faces
        assert console.adapter.faces_shown == set()
        faces_action(window).trigger()
        await until(lambda: state.shown.frame.faces, timeout=10, what="faces on the tile")
        log = await until_fetched(lambda: worker.heatmaps.faces_views(FacesViewsQuery()),
                                  lambda r: r.views, what="the view logged")
        assert [(v.viewer, v.camera_id, v.action) for v in log.views] == [
            (console.bus.user, CAMERA, "start")]
        assert faces_action(window).isChecked()
        await asyncio.sleep(0.5)
        assert state.shown.frame.faces  # the hidden-people pictures no longer replace them
        faces_action(window).trigger()
        await until(lambda: not state.shown.frame.faces, timeout=10, what="people hidden again")
        log = await until_fetched(lambda: worker.heatmaps.faces_views(FacesViewsQuery()),
                                  lambda r: len(r.views) == 2, what="the stop logged")
        assert log.views[0].action == "stop" and console.adapter.faces_shown == set()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
