"""The count events behind a bucket, with their snapshots, in the analytics window (a real
analytics worker and SQLite): an admin checks a surprising number by eye."""

from __future__ import annotations

from datetime import date

from camcount_desktop.console import Console
from camcount_desktop.settings import Settings
from tests.gui.analytics.test_analytics_view import open_analytics, show
from tests.helpers.analytics import facts
from tests.helpers.analytics_window import CAMERA, configure_lobby, line
from tests.helpers.gui import solid_jpeg
from tests.helpers.waiting import until
from workers.analytics import AnalyticsWorker
from workers.contracts import Snapshot

DAY = date(2026, 3, 3)


async def test_a_buckets_count_events_are_listed_with_their_snapshots(
        qtbot, console: Console, settings: Settings, worker: AnalyticsWorker) -> None:
    await configure_lobby(console)
    t = console.bus.topology
    sent = [facts(CAMERA, [line("2026-03-03T09:10+01:00", "in", 1)]),
            facts(CAMERA, [line("2026-03-03T09:40+01:00", "out", 2)]),
            facts(CAMERA, [line("2026-03-03T14:05+01:00", "in", 3)])]
    colours = {0: (30, 30, 200), 2: (200, 120, 30)}  # the second one's snapshot never came
    for i, f in enumerate(sent):
        await console.bus.publish(t.camera_events, t.counts_key(CAMERA), f)
        if i in colours:
            await console.bus.publish(t.camera_events, t.snapshot_key(CAMERA), Snapshot(
                camera_id=CAMERA, event_message_id=f.message_id, frame_id=f.frame_id,
                taken_at=f.frame_timestamp, width=480, height=270, shape_ids=["door"],
                jpeg=solid_jpeg(colours[i], 480, 270)))
    await until(lambda: worker.ingestor.events_written >= 3 and worker.snapshots.stored >= 2,
                what="counts and snapshots stored")

    window, view = await open_analytics(qtbot, console, settings)
    await show(view, "All lines", "Hourly", DAY, DAY)
    panel = view.events_panel
    # the newest bucket with counts is offered first
    assert panel.bucket_box.currentText() == "2026-03-03 14:00 · in 1 · out 0"
    panel.bucket_box.setCurrentIndex(panel.bucket_box.findText("2026-03-03 09:00 · in 1 · out 1"))
    panel.list_button.click()
    await until(lambda: panel.events.topLevelItemCount() == 2, what="the bucket's two events")
    rows = [[panel.events.topLevelItem(i).text(c) for c in range(6)] for i in range(2)]
    assert rows == [["2026-03-03 09:40:00", "Door", "out", "person", "#2", "none"],
                    ["2026-03-03 09:10:00", "Door", "in", "person", "#1", "yes"]]
    assert panel.summary.text() == "2 count event(s), 1 with a snapshot"
    # the one with a picture is opened at once: the stored JPEG, not a stand-in
    await until(lambda: panel.picture.image is not None, what="the snapshot on screen")
    assert (panel.picture.image.width(), panel.picture.image.height()) == (480, 270)
    pixel = panel.picture.image.pixelColor(240, 135)
    assert pixel.red() > 150 and pixel.blue() < 60  # BGR (30, 30, 200): red
    assert panel.caption.text() == "Track #1 at 2026-03-03 09:10:00"
    # the one whose snapshot never came says so, and its count is there all the same
    panel.events.setCurrentItem(panel.events.topLevelItem(0))
    await until(lambda: panel.picture.image is None and "No snapshot" in panel.picture.text,
                what="why there is no picture")
    window.close_now()
