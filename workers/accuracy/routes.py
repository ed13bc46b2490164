"""Routes on a generated scene: the real tracker and counting engine fed the scene's true boxes
(with a little jitter if asked), and the routes they count set against the ones it was built
with (``workers.samples.route_scenes``)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Literal

import numpy as np

from workers.accuracy.noise import EPOCH, PERSON
from workers.contracts.detection import CountEvent
from workers.contracts.zones import ZoneSet
from workers.counting import CountingEngine, TrackedObject
from workers.detector.base import Detections
from workers.detector.pipeline import FORGET_SECONDS
from workers.detector.tracking import IouTracker, create_tracker
from workers.samples.synth import GroundTruth


def count_routes(truth: GroundTruth, zones: ZoneSet, *, jitter: float = 0.0, seed: int = 0,
                 tracker: Literal["bytetrack", "botsort", "iou"] = "bytetrack",
                 ) -> list[CountEvent]:
    """The route events counted on the scene of ``truth`` with ``zones``."""
    rng = np.random.default_rng(seed)
    engine = CountingEngine(zones, max_track_age=2**31, max_track_age_seconds=FORGET_SECONDS)
    trk = IouTracker(truth.fps) if tracker == "iou" else create_tracker(tracker, truth.fps)
    routes: list[CountEvent] = []
    for f in range(truth.frames):
        boxes = []
        for w in truth.walkers:
            if (b := w.box_at(f)) is None or b[2] - b[0] < 8:
                continue
            box = np.array(b, float)
            size = np.array([box[2] - box[0], box[3] - box[1]] * 2)
            boxes.append(box + rng.normal(0, jitter, 4) * size)
        xyxy = np.array(boxes, np.float32).reshape(-1, 4)
        dets = Detections(xyxy, np.full(len(xyxy), 0.9, np.float32), np.zeros(len(xyxy), int),
                          PERSON)
        fed = [TrackedObject(t.track_id, t.class_name, t.xyxy) for t in trk.update(dets, None)]
        counting = engine.update(fed, EPOCH + timedelta(seconds=f / truth.fps))
        routes += [e for e in counting.events if e.kind == "route"]
    return routes


def route_matrix(events: list[CountEvent]) -> Counter[tuple[str, str]]:
    """(origin, destination) -> people, every class together."""
    return Counter((e.origin or "", e.destination or "") for e in events)
