"""Screenshots of Admin → Sites and of a site's occupancy in the analytics window, for
docs/admin.md and docs/analytics.md.

    Xvfb :99 -screen 0 1600x1000x24 &  DISPLAY=:99 python docs/screenshots/capture_sites.py

A shop with a front door (camera "Front") and a yard gate (camera "Yard", whose "out" crossing
enters), and a fitting room zone; a day of visitors every two minutes from 08:00, each staying
half an hour, the front door missing one exit in ten; closing-time reset at 22:00 and an average
visit of 30 min. An analytics worker runs on the console's in-process bus with a temporary
SQLite file; the counts are published as a detector would.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import shots

from camcount_desktop.main_window import MainWindow
from workers.analytics import AnalyticsClient
from workers.contracts import (
    CameraConfig,
    CameraControl,
    CountEvent,
    CountEvents,
    LineDef,
    ZoneDef,
    ZoneSet,
)
from workers.contracts.sites import Site

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else shots.HERE
TZ, DAY = "Europe/Berlin", date(2026, 6, 10)


def visitors() -> dict[str, list[CountEvent]]:
    opening = datetime(2026, 6, 10, 8, 0, tzinfo=ZoneInfo(TZ))
    front, yard = [], []
    for k in range(346):
        t = opening + timedelta(minutes=2 * k)
        front.append(CountEvent(kind="line", shape_id="door", direction="in",
                                class_name="person", track_id=k, at=t))
        if k % 10 != 9:  # the door does not see one in ten leave
            front.append(CountEvent(kind="line", shape_id="door", direction="out",
                                    class_name="person", track_id=k, at=t + timedelta(minutes=30)))
    for k in range(5):  # a delivery crew comes in by the yard, leaves by the front
        yard.append(CountEvent(kind="line", shape_id="gate", direction="out",
                               class_name="person", track_id=900 + k,
                               at=opening + timedelta(hours=2)))
        front.append(CountEvent(kind="line", shape_id="door", direction="out",
                                class_name="person", track_id=900 + k,
                                at=opening + timedelta(hours=2, minutes=40)))
    return {"front": front, "yard": yard}


async def capture() -> None:
    async with shots.with_analytics(TZ) as (console, settings, worker):
        bus, t = console.bus, console.bus.topology
        sets = {
            "front": ("Front", ZoneSet(camera_id="front", frame_width=960, frame_height=540,
                                       lines=[LineDef(id="door", name="Front door",
                                                      points=((480, 540), (480, 0)))],
                                       zones=[ZoneDef(id="fitting", name="Fitting room",
                                                      points=[(0, 0), (300, 0), (300, 300)])])),
            "yard": ("Yard", ZoneSet(camera_id="yard", frame_width=960, frame_height=540,
                                     lines=[LineDef(id="gate", name="Yard gate",
                                                    points=((0, 270), (960, 270)))]))}
        for cam, (name, zones) in sets.items():
            for control in (CameraControl(camera_id=cam, action="configure",
                                          config=CameraConfig(camera_id=cam, name=name,
                                                              source="0")),
                            CameraControl(camera_id=cam, action="set_zones", zones=zones)):
                await bus.publish(t.camera_events, t.control_key(cam), control)
        counted = visitors()
        for cam, events in counted.items():
            for i in range(0, len(events), 50):
                batch = events[i:i + 50]
                await bus.publish(t.camera_events, t.counts_key(cam), CountEvents(
                    camera_id=cam, frame_id=f"f{i}", frame_timestamp=max(e.at for e in batch),
                    zones_version=1, events=batch))
        for cam in sets:
            await shots.zones_stored(console, cam)
        shop = Site(id="shop", name="Shop", max_occupancy=30,
                    doors=[{"camera_id": "front", "line_id": "door"},
                           {"camera_id": "yard", "line_id": "gate", "entering": "out"}],
                    zones=[{"camera_id": "front", "zone_id": "fitting"}],
                    occupancy={"reset_at": "22:00", "mean_visit_seconds": 1800})
        assert (await AnalyticsClient(bus).save_site(shop)).saved
        await shots.poll(lambda: worker.ingestor.events_written
                         >= sum(len(e) for e in counted.values())
                         and all(c in console.wall.states and console.wall.state(c).zones
                                 for c in sets), "the counts stored and the zones on the console")

        window = MainWindow(console, settings)
        window.resize(1500, 950)
        window.show()
        editor = window.admin.open_sites()
        await editor.loaded
        await asyncio.sleep(1.0)
        shots.grab(editor, OUT / "site_editor.png")
        editor.close()

        window.open_analytics()
        view = window.analytics_view
        view.resize(1500, 950)
        await shots.poll(lambda: view.site_box.findText("Shop") >= 0, "the site to pick")
        await view.controller.wait()
        view.site_box.setCurrentIndex(view.site_box.findText("Shop"))
        view.period_box.setCurrentIndex(view.period_box.findData("hourly"))
        view.set_days(DAY, DAY)
        view.show_chart()
        await view.controller.wait()
        await asyncio.sleep(1.5)
        shots.grab(view, OUT / "site_occupancy.png")
        view.close()
        window.close_now()


if __name__ == "__main__":
    shots.run(capture)
