"""Screenshots of the Detection page for docs/detector.md: local mode with no weights (the HOG
fallback's amber chip), a yolo11n download half way, then the detector switched (green chip).

    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 XDG_DATA_HOME=$(mktemp -d) python docs/screenshots/capture_detection.py

The model is served from a local HTTP server, slowly, as ``$CAMCOUNT_MODELS_URL``: yolo11n's
architecture with random weights (no download on the machine that took them), so once switched
the wall shows no boxes. PyTorch backend, so the switch needs no OpenVINO export.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # for tests.helpers

from shots import HERE, run, scratch  # noqa: E402

from camcount_desktop.console import Console  # noqa: E402
from camcount_desktop.local_mode import LocalData  # noqa: E402
from camcount_desktop.main_window import MainWindow  # noqa: E402
from tests.helpers.model_server import ModelServer, random_weights  # noqa: E402
from tests.helpers.waiting import until  # noqa: E402


def shot(name: str) -> None:
    subprocess.run(["import", "-window", "root", str(HERE / name)], check=True)


async def main() -> None:
    with scratch() as (settings, tmp):
        console = Console("local", settings, data=LocalData(tmp / "data"))
        console.runtime.detector_config.backend = "pytorch"
        window = MainWindow(console, settings)
        window.show()
        await console.start()
        await until(lambda: "HOG" in window.health_view.detector.text(), 60)
        await asyncio.sleep(4)  # a box or two on the wall
        weights = random_weights(tmp / "yolo11n.pt").read_bytes()
        with ModelServer({"yolo11n.pt": weights}) as server:
            os.environ["CAMCOUNT_MODELS_URL"] = server.url
            dialog = window.open_detection()
            dialog.move(440, 200)
            server.delay = 0.25
            await asyncio.sleep(1)
            dialog.page.download_button.click()
            await asyncio.sleep(6)
            shot("detection_download.png")
            server.delay = 0
            await until(lambda: not window.detection.busy, 120)
        await asyncio.sleep(6)
        shot("detection_switched.png")
        await console.stop()
        window.close_now()


if __name__ == "__main__":
    run(main)
