"""Zone editor helpers: an editor on a console whose camera sends frames, and mouse clicks at frame
pixels (the canvas is sized to the frame, so one widget pixel is one frame pixel)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from camcount_desktop.admin.permissions import AdminAccess
from camcount_desktop.admin.zone_canvas import ZoneCanvas
from camcount_desktop.admin.zone_editor import ZoneEditor
from camcount_desktop.console import Console
from tests.helpers.gui import frame
from workers.contracts import Frame

WIDTH, HEIGHT = 640, 360


async def open_editor(qtbot, console: Console, camera_id: str = "door",
                      make_frame: Callable[[int], Frame] | None = None) -> ZoneEditor:
    """A zone editor on a camera that publishes a frame every 100 ms until it is frozen."""
    make_frame = make_frame or (lambda n: frame(camera_id, n, (60, 90, 60), WIDTH, HEIGHT))
    editor = ZoneEditor(console, AdminAccess(console), camera_id)
    qtbot.addWidget(editor)
    editor.show()

    async def camera() -> None:
        t = console.bus.topology
        for n in range(1000):
            await console.bus.publish(t.camera_events, t.frame_key(camera_id), make_frame(n),
                                      mandatory=False)
            await asyncio.sleep(0.1)

    feeder = asyncio.get_running_loop().create_task(camera())
    try:
        await asyncio.wait_for(editor.loaded, 10)
    finally:
        feeder.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await feeder
    assert editor.canvas is not None and editor.controller.image is not None
    editor.canvas.setFixedSize(editor.draft.width, editor.draft.height)
    await asyncio.sleep(0.05)  # let the layout give the canvas its size
    assert editor.canvas.scale() == 1.0
    return editor


def click(canvas: ZoneCanvas, x: int, y: int) -> None:
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(x, y))


def drag(canvas: ZoneCanvas, start: tuple[int, int], end: tuple[int, int]) -> None:
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(*start))
    QTest.mouseMove(canvas, QPoint((start[0] + end[0]) // 2, (start[1] + end[1]) // 2))
    QTest.mouseMove(canvas, QPoint(*end))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(*end))
