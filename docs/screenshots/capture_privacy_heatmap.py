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
from datetime import UTC, datetime, timedelta

os.environ["CAMCOUNT_PRIVACY"] = "blur"
os.environ["CAMCOUNT_HEATMAP_FLUSH_S"] = "20"

from shots import HERE, local_window, poll, run  # noqa: E402

from workers.analytics.client import AnalyticsClient  # noqa: E402

CAMERA = "entrance"


def walker_hidden(state) -> bool:
    shown = state.shown
    return (shown is not None and shown.frame.people_hidden and shown.result is not None
            and bool(shown.result.detection_results.detections))


async def capture() -> None:
    async with local_window(1600, 1000) as (console, window):
        console.wall.set_layout(1)
        console.wall.assign(0, CAMERA)
        state = console.wall.state(CAMERA)
        await poll(lambda: walker_hidden(state), "a walker detected and pixelated on the tile")
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
        await poll(lambda: console.wall.state(CAMERA).heat is not None, "the tile's heatmap", 10)
        await asyncio.sleep(1)
        window.grab().save(str(HERE / "heatmap_tile.png"))
        window.open_analytics()
        view = window.analytics_view
        view.resize(1400, 900)
        await poll(lambda: view.camera_box.count() > 0, "the analytics window's cameras", 10)
        await view.controller.wait()
        view.set_heatmap_shown(True)
        await asyncio.sleep(3)
        view.grab().save(str(HERE / "heatmap_analytics.png"))


if __name__ == "__main__":
    run(capture)
