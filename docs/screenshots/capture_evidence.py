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
from datetime import date

from shots import HERE, grab, local_window, poll, run


async def capture(width: int, height: int) -> None:
    async with local_window(width, height) as (console, window):
        await poll(lambda: any(a.camera_id for a in console.alerts.newest_first()),
                   "the sample's alert", 240)
        alert = next(a for a in console.alerts.newest_first() if a.camera_id)
        view = window.alerts_view
        await asyncio.sleep(3)  # the snapshots of the walkers counted meanwhile are stored
        for row in range(view.tree.topLevelItemCount()):
            if view.tree.topLevelItem(row).data(0, 256) == alert.alert_id:
                view.tree.setCurrentItem(view.tree.topLevelItem(row))
        detail = window.alert_detail
        await poll(lambda: detail.snapshot.image is not None, "the alert's snapshot", 240)
        await poll(lambda: detail.live.state is not None and detail.live.state.shown is not None,
                   "the live picture", 240)
        await asyncio.sleep(1.0)
        grab(window, HERE / f"alert_evidence_{width}.png")

        window.open_analytics()
        analytics = window.analytics_view
        analytics.resize(width, height)
        await poll(lambda: analytics.camera_box.count() > 0, "the analytics worker's cameras", 240)
        await console.analytics.wait()
        analytics.set_days(date.today(), date.today())
        analytics.period_box.setCurrentText("Hourly")
        analytics.show_button.click()
        await console.analytics.wait()
        panel = analytics.events_panel
        panel.list_events()
        await poll(lambda: panel.picture.image is not None, "an event's snapshot", 240)
        await asyncio.sleep(1.0)
        grab(analytics, HERE / f"analytics_events_{width}.png")


if __name__ == "__main__":
    run(lambda: capture(int(sys.argv[1]), int(sys.argv[2])))
