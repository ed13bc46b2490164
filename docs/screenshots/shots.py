"""What the screenshot scripts of this folder share: the Qt application on a qasync loop, a
console whose settings and local data live in a throwaway folder (a run never reads or writes the
user's own), waiting for what a picture needs, and saving a window as people see it.

The scripts run as ``python docs/screenshots/<script>.py``, so this folder is on ``sys.path``
and they ``import shots``.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import qasync
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from camcount_desktop import i18n
from camcount_desktop.admin.zone_editor import ZoneEditor
from camcount_desktop.console import Console
from camcount_desktop.local_mode import LocalData
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from workers.analytics import AnalyticsClient, AnalyticsSettings, AnalyticsWorker

HERE = Path(__file__).resolve().parent


def run(make: Callable[[], Coroutine[Any, Any, None]], language: str | None = None) -> None:
    """Create the QApplication (first, as qasync wants), put the console in ``language``, and
    run ``make()`` on a qasync loop until it returns."""
    app = QApplication(sys.argv)
    app.setQuitOnLastWindowClosed(False)  # closing a dialog or the editor must not end the run
    if language is not None:
        i18n.install(language)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(make())


@contextlib.contextmanager
def scratch() -> Iterator[tuple[Settings, Path]]:
    """Console settings in a temporary folder, and the folder (for databases and reports)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        yield Settings(QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat)), folder


@contextlib.asynccontextmanager
async def local_window(width: int, height: int, **console_args: Any,
                       ) -> AsyncIterator[tuple[Console, MainWindow]]:
    """The console in local mode (its workers in this process, the sample camera unless
    ``console_args`` say otherwise), its main window shown at ``width`` x ``height``; stopped and
    closed after."""
    with scratch() as (settings, folder):
        console = Console("local", settings, data=LocalData(folder), **console_args)
        window = MainWindow(console, settings)
        window.resize(width, height)
        window.show()
        await console.start()
        try:
            yield console, window
        finally:
            await console.stop()
            window.close_now()


@contextlib.asynccontextmanager
async def with_analytics(timezone: str) -> AsyncIterator[tuple[Console, Settings, AnalyticsWorker]]:
    """A console on the in-process bus that hosts no workers (the script publishes what they
    would), and an analytics worker on that bus in ``timezone``, with a SQLite file and its
    reports in a temporary folder; stopped after."""
    with scratch() as (settings, folder):
        console = Console("local", settings, local_cameras=[], local_zones=[], host_workers=False)
        await console.start()
        worker = AnalyticsWorker(db_url=f"sqlite+aiosqlite:///{folder / 'camcount.db'}",
                                 timezone=timezone, reports_dir=folder / "reports",
                                 settings=AnalyticsSettings(schedule=False))
        await worker.start(console.bus)
        console.analytics.timezone = timezone
        try:
            yield console, settings, worker
        finally:
            await worker.stop()
            await console.stop()


async def zones_stored(console: Console, camera_id: str, timeout: float = 30.0) -> None:
    """Wait until the analytics worker has stored ``camera_id``'s zones (from their own queue,
    apart from the counts)."""
    client = AnalyticsClient(console.bus)
    deadline = time.monotonic() + timeout
    while await client.latest_zone_set(camera_id) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the analytics worker did not store the zones of {camera_id}")
        await asyncio.sleep(0.1)


async def sample_editor(console: Console, window: MainWindow, full_screen: bool = False,
                        ) -> tuple[ZoneEditor, Callable[[float, float], None]]:
    """The zone editor of the sample camera, 1500x980 (or the whole screen), once it froze a
    frame; and a left click at a frame pixel, as the mouse gives it."""
    await poll(lambda: (s := console.wall.states.get("entrance")) is not None
               and s.shown is not None, "the sample camera's first frame")  # slow when loaded
    editor = window.admin.open_zones("entrance")
    if full_screen:
        editor.setGeometry(QApplication.primaryScreen().availableGeometry())
    else:
        editor.resize(1500, 980)
    await editor.loaded
    await asyncio.sleep(0.3)  # laid out: the canvas has its size
    canvas = editor.canvas
    assert canvas is not None

    def click(x: float, y: float) -> None:
        QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.to_widget((x, y)).toPoint())

    return editor, click


async def poll(condition: Callable[[], bool], what: str | Callable[[], str],
               timeout: float = 120.0) -> None:
    """Wait until ``condition()``; fail saying ``what`` was waited for (a callable: asked then,
    e.g. what the window says)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what() if callable(what) else what}")
        await asyncio.sleep(0.1)


def grab(widget: QWidget, out: Path) -> None:
    """Save ``widget``'s window as the screen shows it."""
    QApplication.primaryScreen().grabWindow(widget.winId()).save(str(out))
    print(f"saved {out}")
