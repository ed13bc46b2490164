"""Screenshots of alarms with evidence for docs/console.md, from a real window in local mode.

    Xvfb :99 -screen 0 1600x1000x24 &  DISPLAY=:99 python docs/screenshots/capture_evidence.py 1600 1000
    Xvfb :98 -screen 0 1280x800x24 &   DISPLAY=:98 python docs/screenshots/capture_evidence.py 1280 800

The bundled sample video plays with its line and zone; the detector (HOG) counts it and draws
each counted frame as a snapshot, which the local analytics worker stores; the sample rule raises
its alert when a walker stays in the left half. Taken once that alert is opened beside the wall
with its snapshot and its camera live (``alert_evidence_{width}.png``), and once the analytics
window lists today's busiest hour's count events with one's snapshot
(``analytics_events_{width}.png``).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from camcount_desktop.console import Console
from camcount_desktop.local_mode import LocalData
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings

HERE = Path(__file__).resolve().parent


async def poll(condition, what: str, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def capture(width: int, height: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        console = Console("local", settings, data=LocalData(Path(tmp)))
        window = MainWindow(console, settings)
        window.resize(width, height)
        window.show()
        await console.start()
        await poll(lambda: any(a.camera_id for a in console.alerts.newest_first()),
                   "the sample's alert")
        alert = next(a for a in console.alerts.newest_first() if a.camera_id)
        view = window.alerts_view
        await asyncio.sleep(3)  # the snapshots of the walkers counted meanwhile are stored
        for row in range(view.tree.topLevelItemCount()):
            if view.tree.topLevelItem(row).data(0, 256) == alert.alert_id:
                view.tree.setCurrentItem(view.tree.topLevelItem(row))
        detail = window.alert_detail
        await poll(lambda: detail.snapshot.image is not None, "the alert's snapshot")
        await poll(lambda: detail.live.state is not None and detail.live.state.shown is not None,
                   "the live picture")
        await asyncio.sleep(1.0)
        out = HERE / f"alert_evidence_{width}.png"
        QApplication.primaryScreen().grabWindow(window.winId()).save(str(out))
        print(f"saved {out}")

        window.open_analytics()
        analytics = window.analytics_view
        analytics.resize(width, height)
        await poll(lambda: analytics.camera_box.count() > 0, "the analytics worker's cameras")
        await console.analytics.wait()
        analytics.set_days(date.today(), date.today())
        analytics.period_box.setCurrentText("Hourly")
        analytics.show_button.click()
        await console.analytics.wait()
        panel = analytics.events_panel
        panel.list_events()
        await poll(lambda: panel.picture.image is not None, "an event's snapshot")
        await asyncio.sleep(1.0)
        out = HERE / f"analytics_events_{width}.png"
        QApplication.primaryScreen().grabWindow(analytics.winId()).save(str(out))
        print(f"saved {out}")
        await console.stop()
        window.close_now()


if __name__ == "__main__":
    app = QApplication(sys.argv)
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(capture(int(sys.argv[1]), int(sys.argv[2])))
