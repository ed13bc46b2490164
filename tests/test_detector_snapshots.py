"""The detector's snapshots (in-process bus, HOG, a generated clip): one per counted frame,
keyed by its count events and drawn at the frame's size; and a snapshot that cannot be made
costs no count."""

from __future__ import annotations

import asyncio
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.test_detector_worker import frame, results_inbox
from workers.bus import Delivery, InProcessBus
from workers.contracts import CountEvents, LineDef, Snapshot, ZoneSet
from workers.detector.base import DetectorConfig
from workers.detector.worker import DetectorWorker
from workers.samples import generate
from workers.topology import Topology


async def count_clip(tmp_path: Path, snapshot_max_bytes: int):
    truth = generate(tmp_path / "walk.mp4", people=2, fps=10, seed=3)
    x1, y1, x2, y2 = truth.line
    line = LineDef(id="door", points=((x1, y1), (x2, y2)))
    zones = ZoneSet(camera_id="door", version=1, frame_width=truth.width,
                    frame_height=truth.height, lines=[line])
    bus = InProcessBus(Topology("t."))
    await bus.start()
    facts: list[CountEvents] = []
    snaps: list[Snapshot] = []

    async def on_facts(f: CountEvents, d: Delivery) -> None:
        facts.append(f)

    async def on_snapshot(s: Snapshot, d: Delivery) -> None:
        snaps.append(s)

    t = bus.topology
    await bus.consume(t.count_events, on_facts, model=CountEvents)
    await bus.consume(t.snapshots, on_snapshot, model=Snapshot)
    worker = DetectorWorker(DetectorConfig(kind="hog", snapshot_max_bytes=snapshot_max_bytes),
                            cameras=["door"], zones=[zones], worker_id="det-snap")
    await worker.start(bus)
    inbox = await results_inbox(bus)
    cap = cv2.VideoCapture(str(tmp_path / truth.video))
    try:
        n = 0
        while (read := cap.read())[0]:
            await bus.publish(t.camera_events, t.frame_key("door"), frame("door", n, read[1]))
            await asyncio.wait_for(inbox.get(), 30)
            n += 1
        await asyncio.sleep(0.5)  # the last snapshots are drawn and sent in tasks
        stats = worker.stats()
    finally:
        cap.release()
        await worker.stop()
        await bus.close()
    return truth, facts, snaps, stats


@pytest.mark.slow
async def test_each_counted_frame_has_its_snapshot_keyed_by_its_count_events(
        tmp_path: Path) -> None:
    truth, facts, snaps, stats = await count_clip(tmp_path, 100_000)
    crossings = [e for f in facts for e in f.events]
    assert len(crossings) == truth.count_in + truth.count_out
    assert sorted(s.event_message_id for s in snaps) == sorted(f.message_id for f in facts)
    assert stats["snapshots_published"] == len(facts) and stats["snapshots_dropped"] == 0
    for s in snaps:
        assert len(s.jpeg) <= 100_000 and (s.width, s.height) == (truth.width, truth.height)
        image = cv2.imdecode(np.frombuffer(s.jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert image.shape[:2] == (truth.height, truth.width) and s.shape_ids == ["door"]


@pytest.mark.slow
async def test_a_snapshot_that_cannot_be_made_costs_no_count(tmp_path: Path) -> None:
    # no JPEG of a frame fits in 100 bytes: every snapshot fails, every count is published
    truth, facts, snaps, stats = await count_clip(tmp_path, 100)
    crossings = [e for f in facts for e in f.events]
    assert len(crossings) == truth.count_in + truth.count_out
    assert snaps == [] and stats["snapshots_dropped"] == len(facts) > 0
