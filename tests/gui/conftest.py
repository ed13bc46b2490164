"""Console tests: real widgets (offscreen), real buses; async tests run on qasync's loop inside
Qt's, as the console does, so widgets paint and signals flow while a test awaits."""

from __future__ import annotations

import asyncio
import faulthandler
import functools
import inspect
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
import qasync
from _pytest.faulthandler import fault_handler_stderr_fd_key
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from camcount_desktop.console import Console
from camcount_desktop.settings import Settings
from workers.contracts import Detection, DetectionBlock, DetectionResult, Frame


def _qt_loop() -> qasync.QEventLoop:
    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)  # as camcount-desktop: closing a window is not quitting
    return qasync.QEventLoop(app)


def pytest_asyncio_loop_factories(config, item):
    return {"qasync": _qt_loop}


#: a console test that has not finished by now fails (its clean-up still runs)
GUI_TEST_TIMEOUT_S = 120
#: last resort when even the clean-up hangs: pytest-timeout dumps every thread's stack and ends
#: the run. Its default (signal) method cannot fire here: the test waits inside Qt's event loop,
#: in C++, where Python runs no signal handler until something wakes the loop.
GUI_HARD_TIMEOUT_S = 240
#: and when no Python thread can run at all (a thread stuck holding the GIL, as PySide can leave
#: one in C++): faulthandler's watchdog is a C thread, it dumps the stacks and exits without it
GUI_GIL_TIMEOUT_S = 300


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.gui)
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(GUI_HARD_TIMEOUT_S, method="thread"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    if item.get_closest_marker("gui") is None:
        return (yield)
    # pytest's own faulthandler plugin keeps the terminal's stderr (test output is captured)
    stderr = item.config.stash.get(fault_handler_stderr_fd_key, sys.__stderr__.fileno())
    faulthandler.dump_traceback_later(GUI_GIL_TIMEOUT_S, exit=True, file=stderr)
    try:
        return (yield)
    finally:
        faulthandler.cancel_dump_traceback_later()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Run each async console test under an asyncio timeout, so that a test waiting for
    something that never comes fails by itself instead of holding up the run."""
    test = getattr(item, "obj", None)
    if not inspect.iscoroutinefunction(test):
        return (yield)

    @functools.wraps(test)
    async def bounded(*args, **kwargs):
        limit = asyncio.timeout(GUI_TEST_TIMEOUT_S)
        try:
            async with limit:
                return await test(*args, **kwargs)
        except TimeoutError as exc:
            if limit.expired():
                raise AssertionError(
                    f"the test did not finish within {GUI_TEST_TIMEOUT_S} s") from exc
            raise

    item.obj = bounded
    try:
        return (yield)
    finally:
        item.obj = test


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
async def console(settings: Settings, namespace: str):
    """A console on a started in-process bus, without hosted workers: tests publish what
    workers would."""
    c = Console("local", settings, namespace=namespace, local_cameras=[], local_zones=[],
                host_workers=False)
    await c.start()
    try:
        yield c
    finally:
        await c.stop()


async def until(condition: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    """Await (letting Qt and asyncio run) until ``condition()`` is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or condition}")
        await asyncio.sleep(0.02)


def solid_jpeg(bgr: tuple[int, int, int], width: int = 320, height: int = 180) -> bytes:
    image = np.zeros((height, width, 3), np.uint8)
    image[:] = bgr
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return buf.tobytes()


def frame(camera_id: str, n: int, bgr: tuple[int, int, int] = (40, 160, 40), width: int = 320,
          height: int = 180) -> Frame:
    return Frame(camera_id=camera_id, frame_id=f"{camera_id}:{n}", width=width, height=height,
                 fps=10, quality=95, jpeg=solid_jpeg(bgr, width, height))


def result(camera_id: str, n: int, boxes: list[tuple[float, float, float, float]],
           width: int = 320, height: int = 180) -> DetectionResult:
    dets = [Detection(class_name="person", confidence=0.9, bbox=b, track_id=i + 1)
            for i, b in enumerate(boxes)]
    return DetectionResult(
        camera_id=camera_id, frame_id=f"{camera_id}:{n}", frame_timestamp=datetime.now(UTC),
        frame_width=width, frame_height=height,
        detection_results=DetectionBlock(detections=dets, total_count=len(dets),
                                         processing_time=0.01, model_version="test"))
