"""Screenshots of routes and corrected occupancy in the analytics window, for docs/analytics.md.

    Xvfb :99 -screen 0 1600x1000x24 &  DISPLAY=:99 python docs/screenshots/capture_routes.py

An analytics worker runs on the console's in-process bus with a temporary SQLite file. A station
concourse camera has four doors and routes between them; a day of people (fixed seed) walk
between the doors, published as count events with their line crossings, route completions and
transit times, as a detector would. A waiting-room zone with an average visit of 20 min misses
one exit in eight. ``route_matrix.png``: the doors hourly with the route matrix and flow chart;
``occupancy_corrected.png``: the waiting room, raw and corrected occupancy.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from shots import HERE, grab, poll, run, with_analytics, zones_stored

from camcount_desktop.main_window import MainWindow
from workers.contracts import CameraConfig, CameraControl, CountEvent, CountEvents, ZoneSet

CAMERA, TZ = "concourse", "Europe/Berlin"
DOORS = {"platform": ("Platform 1", 120), "street": ("Street", 360), "stairs": ("Stairs", 600),
         "shops": ("Shops", 840)}
#: (origin, destination) -> share of the people
FLOWS = {("platform", "street"): 30, ("platform", "stairs"): 18, ("platform", "shops"): 6,
         ("street", "platform"): 22, ("stairs", "platform"): 12, ("street", "shops"): 9,
         ("shops", "street"): 8, ("stairs", "street"): 5}
PROFILE = [0, 0, 0, 0, 0, 2, 8, 30, 55, 30, 14, 12, 18, 15, 12, 16, 28, 50, 34, 16, 9, 5, 2, 1]


def zone_set() -> ZoneSet:
    return ZoneSet.model_validate({
        "camera_id": CAMERA, "frame_width": 960, "frame_height": 540,
        "lines": [{"id": d, "name": name, "points": [[x, 540], [x, 300]]}
                  for d, (name, x) in DOORS.items()],
        "zones": [{"id": "waiting", "name": "Waiting room",
                   "points": [[0, 0], [960, 0], [960, 280], [0, 280]],
                   "occupancy": {"reset_at": "23:30", "mean_visit_seconds": 1200}}],
        "routes": [{"id": f"{a}-{b}", "name": f"{DOORS[a][0]} → {DOORS[b][0]}",
                    "steps": [{"shape_id": a}, {"shape_id": b}], "within_seconds": 300}
                   for a, b in FLOWS]})


def a_day(day: date) -> list[list[CountEvent]]:
    rng, track, batches = random.Random(11), 0, []
    pairs, weights = list(FLOWS), list(FLOWS.values())
    for hour in range(24):
        start = datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(TZ)).astimezone(UTC)
        events: list[CountEvent] = []
        for _ in range(PROFILE[hour]):
            track += 1
            a, b = rng.choices(pairs, weights)[0]
            at = start + timedelta(seconds=rng.uniform(0, 3500))
            transit = rng.uniform(25, 70) * abs(DOORS[a][1] - DOORS[b][1]) / 480
            done = at + timedelta(seconds=transit)
            common = {"class_name": "person", "track_id": track}
            events += [
                CountEvent(kind="line", shape_id=a, direction="in", at=at, **common),
                CountEvent(kind="line", shape_id=b, direction="out", at=done, **common),
                CountEvent(kind="route", shape_id=f"{a}-{b}", direction="in", at=done,
                           dwell_seconds=transit, origin=a, destination=b, **common)]
            if rng.random() < 0.35:  # some wait for their train
                stay = rng.uniform(300, 2100)
                events.append(CountEvent(kind="zone", shape_id="waiting", direction="in", at=at,
                                         **common))
                if track % 8:  # the camera misses one leaver in eight
                    events.append(CountEvent(kind="zone", shape_id="waiting", direction="out",
                                             at=at + timedelta(seconds=stay),
                                             dwell_seconds=stay, **common))
        if events:
            batches.append(events)
    return batches


async def capture() -> None:
    async with with_analytics(TZ) as (console, settings, worker):
        t = console.bus.topology
        for control in (CameraControl(camera_id=CAMERA, action="configure", config=CameraConfig(
                            camera_id=CAMERA, name="Concourse", source="rtsp://concourse/1")),
                        CameraControl(camera_id=CAMERA, action="set_zones", zones=zone_set())):
            await console.bus.publish(t.camera_events, t.control_key(CAMERA), control)
        day = datetime.now(UTC).date() - timedelta(days=1)
        batches = a_day(day)
        for n, events in enumerate(batches):
            await console.bus.publish(t.camera_events, t.counts_key(CAMERA), CountEvents(
                camera_id=CAMERA, frame_id=f"f{n}", frame_timestamp=max(e.at for e in events),
                zones_version=1, events=events))
        total = sum(len(b) for b in batches)
        await poll(lambda: worker.ingestor.events_written >= total, "the day's count events stored")
        await zones_stored(console, CAMERA)

        window = MainWindow(console, settings)
        window.open_analytics()
        view = window.analytics_view
        view.resize(1500, 950)
        await poll(lambda: view.shape_box.findText("Zone: Waiting room") >= 0,
                   "the waiting room in the analytics window")
        view.set_days(day, day)
        for shape, name in (("All lines", "route_matrix.png"),
                            ("Zone: Waiting room", "occupancy_corrected.png")):
            view.shape_box.setCurrentText(shape)
            view.period_box.setCurrentText("Hourly")
            view.show_button.click()
            await console.analytics.wait()
            await view.routes.controller.wait()
            await asyncio.sleep(1.0)
            grab(view, HERE / name)
        window.close_now()


if __name__ == "__main__":
    run(capture)
