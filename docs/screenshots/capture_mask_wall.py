"""Screenshots for docs/privacy.md: local mode, a privacy mask saved for the sample camera
("Shop window", right half) while the console runs: the wall shows it filled grey, the camera
worker having filled it before the frame left it.

    Xvfb :99 -screen 0 1600x1000x24 &  DISPLAY=:99 python docs/screenshots/capture_mask_wall.py [strict]

Writes ``privacy_mask_wall.png`` (the site's privacy off: the walker shows) or, with ``strict``,
``privacy_strict_wall.png`` (the whole picture pixelated, the walker coarser still).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

MODE = sys.argv[1] if len(sys.argv) > 1 else "off"
os.environ["CAMCOUNT_PRIVACY"] = MODE

import qasync  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from camcount_desktop.console import Console  # noqa: E402
from camcount_desktop.local_mode import LocalData, sample_zones  # noqa: E402
from camcount_desktop.main_window import MainWindow  # noqa: E402
from camcount_desktop.settings import Settings  # noqa: E402
from workers.analytics.client import AnalyticsClient  # noqa: E402
from workers.contracts import MaskDef  # noqa: E402

HERE = Path(__file__).resolve().parent
CAMERA = "entrance"
MASK = MaskDef(id="shop-window", name="Shop window",
               points=[(720, 200), (900, 200), (900, 340), (720, 340)])


async def capture() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        console = Console("local", settings, data=LocalData(Path(tmp) / "data"))
        window = MainWindow(console, settings)
        window.resize(1600, 1000)
        window.show()
        await console.start()
        console.wall.set_layout(1)
        console.wall.assign(0, CAMERA)
        state = console.wall.state(CAMERA)
        client = AnalyticsClient(console.bus)
        for _ in range(300):  # until analytics has seeded the sample's zones
            stored = await client.latest_zone_set(CAMERA)
            if stored is not None:
                break
            await asyncio.sleep(0.2)
        assert stored is not None, "the sample's zones were never stored"
        saved = await client.save_zone_set(
            sample_zones().model_copy(update={"version": stored.version + 1,
                                              "privacy_masks": [MASK]}),
            base_version=stored.version, requested_by="screenshot")
        assert saved.saved, saved.error
        for _ in range(600):  # a walker on the tile, with its box, after the save
            shown = state.shown
            if shown is not None and shown.result is not None \
                    and shown.result.detection_results.detections \
                    and shown.frame.people_hidden == (MODE != "off") \
                    and shown.result.counting_data.zones_version == saved.current.version:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.5)
        name = "privacy_mask_wall.png" if MODE == "off" else f"privacy_{MODE}_wall.png"
        window.grab().save(str(HERE / name))
        await console.stop()


def main() -> None:
    app = QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(capture())


if __name__ == "__main__":
    main()
