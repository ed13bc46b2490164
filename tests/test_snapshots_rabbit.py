"""Evidence over a real RabbitMQ, with the workers as deployed (three processes): the camera
worker plays a generated clip, the detector (HOG) counts it and draws each counted frame, the
analytics worker stores the counts and, apart from them, the snapshots; a console asks for them
over ``rpc.analytics`` as the analytics window does."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.helpers.services import BROKER_URL
from tests.rabbit_util import purge_namespace
from tests.test_pipeline_rabbit import stop, worker
from workers.analytics.client import AnalyticsClient, RequestFailed
from workers.samples import generate
from workers.topology import Topology

pytestmark = [pytest.mark.rabbit, pytest.mark.slow]

CAP_KB = 40


async def test_each_counted_frame_is_stored_as_a_capped_drawn_snapshot_a_console_can_fetch(
        namespace: str, tmp_path: Path) -> None:
    from workers.bus.rabbit import RabbitBus

    truth = generate(tmp_path / "door.mp4", people=3, fps=10, size=(640, 360), seed=5)
    x1, y1, x2, y2 = truth.line
    zones = tmp_path / "zones.json"
    zones.write_text(json.dumps({"camera_id": "door", "frame_width": truth.width,
                                 "frame_height": truth.height,
                                 "lines": [{"id": "door", "points": [[x1, y1], [x2, y2]]}]}))
    topology = Topology(namespace)
    bus = RabbitBus(BROKER_URL, topology, source="snapshot-test")
    await bus.start()
    client = AnalyticsClient(bus)
    common = ["--broker", BROKER_URL, "--namespace", namespace]
    analytics = worker("analytics", *common, "--db", f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    detector = worker("detector", *common, "--detector", "hog", "--camera", "door",
                      "--zones", str(zones), "--worker-id", "det-snap", "--snapshot-kb",
                      str(CAP_KB))
    camera = None
    since = datetime.now(UTC) - timedelta(minutes=1)
    try:
        frame_queue = topology.frame_queue("door").name
        deadline = time.monotonic() + 60
        while (d := (await bus.queue_depths([frame_queue])).get(frame_queue)) is None \
                or d.consumers < 1:
            assert detector.poll() is None, stop(detector)
            assert time.monotonic() < deadline, "the detector never consumed the frame queue"
            await asyncio.sleep(0.3)
        camera = worker("camera", *common, "--camera", f"door={tmp_path / truth.video}",
                        "--fps", "10")
        want = truth.count_in + truth.count_out
        events = []
        deadline = time.monotonic() + truth.frames / 10 + 90
        while time.monotonic() < deadline:
            try:
                reply = await client.count_events(camera_id="door", start=since,
                                                  end=datetime.now(UTC) + timedelta(minutes=1))
                events = reply.events
            except RequestFailed:
                pass  # the analytics worker is still starting
            if len(events) >= want and all(e.has_snapshot for e in events):
                break
            await asyncio.sleep(1.0)
        snaps = [await client.snapshot(e.event_message_id) for e in events]
    finally:
        camera_log = stop(camera) if camera is not None else ""
        detector_log = stop(detector)
        analytics_log = stop(analytics)
        await bus.close()
        await purge_namespace(BROKER_URL, topology, [topology.frame_queue("door").name])

    logs = f"camera:\n{camera_log[-800:]}\ndetector:\n{detector_log[-1500:]}\n" \
           f"analytics:\n{analytics_log[-1500:]}"
    assert len(events) == want, f"{len(events)} count events stored of {want}\n{logs}"
    assert all(e.has_snapshot for e in events), logs
    for event, snap in zip(events, snaps, strict=True):
        assert snap.found and snap.event_message_id == event.event_message_id
        assert len(snap.jpeg) <= CAP_KB * 1024  # the cap is kept (quality stepped down)
        image = cv2.imdecode(np.frombuffer(snap.jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert image is not None and (snap.width, snap.height) == (truth.width, truth.height)
        assert "door" in snap.shape_ids
        # the counting line is drawn on it (amber, where the line runs)
        mid = image[(y1 + y2) // 2 - 40:(y1 + y2) // 2 + 40, (x1 + x2) // 2 - 6:(x1 + x2) // 2 + 7]
        b, g, r = (mid[..., i].astype(int) for i in range(3))
        assert ((r > 180) & (g > 150) & (b < 110)).sum() > 30, "the line is not drawn"
        # and the counted track's box, in red
        b, g, r = (image[..., i].astype(int) for i in range(3))
        assert ((r > 170) & (g < 90) & (b < 90)).sum() > 50, "no counted box drawn"
