"""Screenshots for docs/privacy.md and docs/analytics.md, in local mode on the sample camera with
the site's privacy on (people pixelated on the wall) and heatmaps gathered every 20 s.

    Xvfb :99 -screen 0 1600x1000x24 &  DISPLAY=:99 python docs/screenshots/capture_privacy_heatmap.py

Writes ``privacy_wall.png`` (the wall: people hidden), ``heatmap_tile.png`` (the tile's heatmap
over the live, hidden-people picture) and ``heatmap_analytics.png`` (the analytics window's
heatmap of today over the camera's reference picture).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ["CAMCOUNT_PRIVACY"] = "blur"
os.environ["CAMCOUNT_HEATMAP_FLUSH_S"] = "20"

import qasync  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from camcount_desktop.console import Console  # noqa: E402
from camcount_desktop.main_window import MainWindow  # noqa: E402
from camcount_desktop.settings import Settings  # noqa: E402
from workers.analytics.client import AnalyticsClient  # noqa: E402

HERE = Path(__file__).resolve().parent
CAMERA = "entrance"


async def capture() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        console = Console("local", settings)
        window = MainWindow(console, settings)
        window.resize(1600, 1000)
        window.show()
        await console.start()
        console.wall.set_layout(1)
        console.wall.assign(0, CAMERA)
        state = console.wall.state(CAMERA)
        for _ in range(600):  # until the detector runs and a walker is pixelated on the tile
            shown = state.shown
            if shown is not None and shown.frame.people_hidden and shown.result is not None \
                    and shown.result.detection_results.detections:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.5)
        window.grab().save(str(HERE / "privacy_wall.png"))
        client = AnalyticsClient(console.bus)
        now = datetime.now(UTC)
        for _ in range(300):  # heatmap facts come every 20 s of frames: wait for a few walkers
            reply = await client.heatmap(CAMERA, start=now - timedelta(hours=1),
                                         end=now + timedelta(hours=1))
            if sum(reply.visits) >= 60:
                break
            await asyncio.sleep(1)
        console.wall.toggle_heatmap(CAMERA)
        for _ in range(50):
            if console.wall.state(CAMERA).heat is not None:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(1)
        window.grab().save(str(HERE / "heatmap_tile.png"))
        window.open_analytics()
        view = window.analytics_view
        view.resize(1400, 900)
        for _ in range(50):
            if view.camera_box.count():
                break
            await asyncio.sleep(0.2)
        await view.controller.wait()
        view.set_heatmap_shown(True)
        await asyncio.sleep(3)
        view.grab().save(str(HERE / "heatmap_analytics.png"))
        await console.stop()


def main() -> None:
    app = QApplication(sys.argv)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(capture())


if __name__ == "__main__":
    main()
