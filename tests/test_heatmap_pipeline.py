"""Heatmaps end to end on the in-process bus: a HOG detector analyses a generated clip of walkers,
and the analytics worker holds every frame of it in its heatmap once the detector stops (what it
gathered since its last fact is flushed, not lost), where the walkers' feet were."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.helpers.waiting import until_fetched
from tests.test_detector_worker import frame, results_inbox
from workers.analytics import AnalyticsClient, AnalyticsWorker
from workers.bus import InProcessBus
from workers.detector.base import DetectorConfig
from workers.detector.worker import DetectorWorker
from workers.samples import generate
from workers.topology import Topology


@pytest.mark.slow
async def test_a_stopped_detector_leaves_its_whole_heatmap_with_analytics(tmp_path: Path) -> None:
    truth = generate(tmp_path / "walk.mp4", people=2, fps=10, seed=3, size=(640, 360))
    bus = InProcessBus(Topology("t."))
    await bus.start()
    analytics = AnalyticsWorker(db_url=f"sqlite+aiosqlite:///{tmp_path / 'a.db'}",
                                reports_dir=tmp_path)
    await analytics.start(bus)
    detector = DetectorWorker(DetectorConfig(kind="hog"), cameras=["door"], worker_id="det-h")
    await detector.start(bus)
    inbox = await results_inbox(bus)
    t = bus.topology
    cap = cv2.VideoCapture(str(tmp_path / truth.video))
    feet_rows: list[int] = []
    n = 0
    try:
        while True:
            ok, image = cap.read()
            if not ok:
                break
            await bus.publish(t.camera_events, t.frame_key("door"), frame("door", n, image))
            result = await asyncio.wait_for(inbox.get(), 30)
            feet_rows += [min(int(d.bbox[3] / truth.height * 36), 35)
                          for d in result.detection_results.detections if d.track_id is not None]
            n += 1
    finally:
        cap.release()
        await detector.stop()  # nothing was published yet: well under 5 minutes of frames
    try:
        now = datetime.now(UTC)
        reply = await until_fetched(lambda: AnalyticsClient(bus).heatmap(
            "door", start=now - timedelta(hours=2), end=now + timedelta(hours=1)),
            lambda r: r.frames, what="the heatmap stored")
    finally:
        await analytics.stop()
        await bus.close()
    assert reply.frames == n and (reply.frame_width, reply.frame_height) == (640, 360)
    grid = np.asarray(reply.visits).reshape(36, 64)
    assert grid.sum() >= truth.count_in + truth.count_out  # every walker came into cells
    # the visits are where the tracked feet were, row by row, and nowhere else
    assert set(np.nonzero(grid.sum(axis=1))[0]) == set(feet_rows)
    assert reply.reference_jpeg is None  # the stop flush has no picture at hand
