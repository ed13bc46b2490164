"""Screenshots of the analytics window for docs/console.md, with two weeks of counts, and of the
PDF report it requests (first page, rendered with pdftoppm when installed, else PyMuPDF).

    Xvfb :99 -screen 0 1600x1000x24 &  DISPLAY=:99 python docs/screenshots/capture_analytics.py
    DISPLAY=:99 python docs/screenshots/capture_analytics.py 1280x720 /tmp/small

Two more cameras are configured that never counted anything: the window opens on the one that did.

An analytics worker runs on the console's in-process bus with a temporary SQLite file; two weeks of
line crossings and zone visits (a weekday rush-hour pattern, fixed seed) is published as detection
results, as a detector would. The window shows the zone hourly over the last two days, and a PDF
report is requested so the reports list has a finished file.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from shots import HERE, grab, poll, run, with_analytics, zones_stored

from camcount_desktop.main_window import MainWindow
from workers.contracts import (
    CameraConfig,
    CameraControl,
    CountEvent,
    CountEvents,
    LineDef,
    ZoneDef,
    ZoneSet,
)

SIZE = tuple(int(v) for v in (sys.argv[1] if len(sys.argv) > 1 else "1500x950").split("x"))
OUT_DIR = Path(sys.argv[2]) if len(sys.argv) > 2 else HERE
CAMERA, TZ = "lobby", "Europe/Berlin"
#: people per hour crossing the door, by local hour (a weekday)
PROFILE = [0, 0, 0, 0, 0, 1, 3, 14, 30, 18, 9, 10, 16, 12, 9, 10, 15, 26, 20, 9, 5, 3, 1, 0]


def two_weeks_of_counts(today: date) -> list[list[CountEvent]]:
    """One batch (one detection result) per hour of the last 14 days and today so far."""
    rng, track, batches = random.Random(7), 0, []
    for day in range(14, -1, -1):
        for hour in range(24):
            d = today - timedelta(days=day)
            local = datetime(d.year, d.month, d.day, hour, tzinfo=ZoneInfo(TZ))
            start = local.astimezone(UTC)
            if start > datetime.now(UTC):
                break
            weekend = local.weekday() >= 5
            events = []
            for _ in range(rng.randint(0, 2) + (PROFILE[hour] // (3 if weekend else 1))):
                track += 1
                at = start + timedelta(seconds=rng.uniform(0, 3600))
                direction = "in" if hour < 13 or rng.random() < 0.3 else "out"
                events.append(CountEvent(kind="line", shape_id="door", direction=direction,
                                         class_name="person", track_id=track, at=at))
                if rng.random() < 0.6:  # most wait at the desk a while
                    dwell = rng.uniform(120, 1800)
                    events.append(CountEvent(kind="zone", shape_id="desk", direction="in",
                                             class_name="person", track_id=track, at=at))
                    events.append(CountEvent(kind="zone", shape_id="desk", direction="out",
                                             class_name="person", track_id=track,
                                             at=at + timedelta(seconds=dwell), dwell_seconds=dwell))
            if events:
                batches.append(events)
    return batches


async def capture() -> None:
    async with with_analytics(TZ) as (console, settings, worker):
        t = console.bus.topology
        zones = ZoneSet(camera_id=CAMERA, frame_width=960, frame_height=540,
                        lines=[LineDef(id="door", name="Front door", points=((480, 540), (480, 0)))],
                        zones=[ZoneDef(id="desk", name="Reception desk",
                                       points=[(0, 0), (400, 0), (400, 540), (0, 540)])])
        for control in (CameraControl(camera_id=CAMERA, action="configure", config=CameraConfig(
                            camera_id=CAMERA, name="Lobby", source="rtsp://lobby/stream")),
                        CameraControl(camera_id=CAMERA, action="set_zones", zones=zones)):
            await console.bus.publish(t.camera_events, t.control_key(CAMERA), control)
        for cid, name in (("a-back", "Back door"), ("b-garage", "Garage")):  # no counts, ever
            await console.bus.publish(t.camera_events, t.control_key(cid), CameraControl(
                camera_id=cid, action="configure", config=CameraConfig(
                    camera_id=cid, name=name, source=f"rtsp://{cid}/stream")))
        await zones_stored(console, CAMERA)  # before the window asks for them
        today = datetime.now(UTC).date()
        batches = two_weeks_of_counts(today)
        for events in batches:
            await console.bus.publish(t.camera_events, t.counts_key(CAMERA), CountEvents(
                camera_id=CAMERA, frame_id=f"f{events[0].track_id}",
                frame_timestamp=max(e.at for e in events), zones_version=1, events=events))
        total = sum(len(b) for b in batches)
        await poll(lambda: worker.ingestor.events_written >= total, "two weeks of counts stored")

        window = MainWindow(console, settings)
        window.open_analytics()
        view = window.analytics_view
        view.resize(*SIZE)
        # if it never gets there, what the window says tells why
        await poll(lambda: view.shape_box.findText("Zone: Reception desk") >= 0, view.status.text)
        await console.analytics.wait()
        await asyncio.sleep(1.0)
        grab(view, OUT_DIR / "analytics-opened.png")
        view.set_days(today - timedelta(days=2), today - timedelta(days=1))
        view.reports_panel.format_box.setCurrentText("PDF")
        view.reports_panel.request_button.click()
        view.shape_box.setCurrentText("Zone: Reception desk")
        view.period_box.setCurrentText("Hourly")
        view.show_button.click()
        await console.analytics.wait()
        await poll(lambda: all(j.finished for j in console.reports.jobs.values()), view.status.text)
        await asyncio.sleep(1.0)
        grab(view, OUT_DIR / "analytics.png")
        [job] = console.reports.jobs.values()
        render_first_page(Path(job.path or ""), OUT_DIR / "report.png")
        print(f"saved {OUT_DIR / 'report.png'}")
        window.close_now()


def render_first_page(pdf: Path, png: Path) -> None:
    """The report's first page as people see it: pdftoppm (poppler) if installed, else
    PyMuPDF; neither is a dependency of CamCount."""
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "90", "-f", "1", "-l", "1", "-singlefile",
                        str(pdf), str(png.with_suffix(""))], check=True)
        return
    import pymupdf  # pip install pymupdf

    pymupdf.open(pdf)[0].get_pixmap(dpi=90).save(png)


if __name__ == "__main__":
    run(capture)
