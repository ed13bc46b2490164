"""A detection-noise simulator: the real tracker and counting engine, fed a scene's true boxes
spoilt the way detectors and trackers spoil them.

What it measures is what CamCount controls (tracking and counting), whatever detector runs, and
fast: no pixels are drawn or searched. The noise, per frame:

* **jitter**: each box edge moves by a normal amount of ``jitter`` times the box's size;
* **drops**: a detection is missed with probability ``drop``; a person mostly hidden behind a
  nearer one (``occluded`` of their box covered) is missed with ``occluded_drop``, and one mostly
  out of the picture always is;
* **false positives**: ghosts appear at ``ghosts`` per frame (a random person-sized box) and
  double boxes beside a real person at ``doubles`` per person per frame, each lasting 1-3 frames;
* **ID switches**: when two people's boxes begin to overlap, the tracker's id of one of them is
  replaced by a new one with probability ``renew`` (a track lost and found again as someone new)
  and the two ids are swapped with probability ``swap``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np

from workers.accuracy.matching import CountedEvent
from workers.contracts.zones import ZoneSet
from workers.counting import CountingEngine, TrackedObject
from workers.detector.base import Detections
from workers.detector.pipeline import FORGET_SECONDS
from workers.detector.tracking import IouTracker, create_tracker, iou_matrix
from workers.samples.synth import GroundTruth

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PERSON = {0: "person"}


@dataclass(frozen=True)
class Noise:
    jitter: float = 0.03
    drop: float = 0.15
    occluded: float = 0.5
    occluded_drop: float = 0.85
    ghosts: float = 0.03
    doubles: float = 0.02
    renew: float = 0.3
    swap: float = 0.05

    @classmethod
    def none(cls) -> Noise:
        return cls(0, 0, 1.0, 0, 0, 0, 0, 0)


def zone_set_for(truth: GroundTruth, template: ZoneSet | None = None) -> ZoneSet:
    """The truth's counting line (id ``line``) with the settings of ``template``."""
    x1, y1, x2, y2 = truth.line
    base = {} if template is None else template.model_dump(exclude={"lines", "zones"})
    base.update(camera_id=base.get("camera_id", "sim"), frame_width=truth.width,
                frame_height=truth.height)
    return ZoneSet.model_validate(
        {**base, "lines": [{"id": "line", "points": [[x1, y1], [x2, y2]]}]})


def covered(box: np.ndarray, others: list[np.ndarray]) -> float:
    """Fraction of ``box`` under the union of ``others`` (approximated by the largest one)."""
    area = max(1.0, float((box[2] - box[0]) * (box[3] - box[1])))
    best = 0.0
    for o in others:
        w = min(box[2], o[2]) - max(box[0], o[0])
        h = min(box[3], o[3]) - max(box[1], o[1])
        if w > 0 and h > 0:
            best = max(best, w * h / area)
    return best


class _Ids:
    """What the counting engine is told a tracker id is, after injected switches."""

    def __init__(self) -> None:
        self.map: dict[int, int] = {}
        self.next = 1_000_000

    def __getitem__(self, tid: int) -> int:
        return self.map.get(tid, tid)

    def renew(self, tid: int) -> None:
        self.map[tid] = self.next
        self.next += 1

    def swap(self, a: int, b: int) -> None:
        self.map[a], self.map[b] = self[b], self[a]


def simulate(truth: GroundTruth, noise: Noise = Noise(), *, zones: ZoneSet | None = None,
             seed: int = 0, tracker: Literal["bytetrack", "botsort", "iou"] = "bytetrack",
             on_frame: Callable[[int, list[TrackedObject]], None] | None = None,
             on_detections: Callable[[int, np.ndarray, np.ndarray], None] | None = None,
             ) -> list[CountedEvent]:
    """Line crossings the real tracker and counting engine count on the noisy boxes of ``truth``.

    ``tracker``: the detector's (ByteTrack as ultralytics runs it, or BoT-SORT), or ``iou``, a
    small tracker of our own to compare them with. ``on_frame(frame, tracks)`` sees what
    the counting engine is fed; ``on_detections(frame, xyxy, walkers)`` what the tracker is fed,
    with the walker each box shows (-1 for a false positive)."""
    rng = np.random.default_rng(seed)
    zone_set = zone_set_for(truth, zones)
    engine = CountingEngine(zone_set, max_track_age=2**31, max_track_age_seconds=FORGET_SECONDS)
    trk = IouTracker(truth.fps) if tracker == "iou" else create_tracker(tracker, truth.fps)
    ids = _Ids()
    overlapping: set[tuple[int, int]] = set()
    ghosts: list[list] = []  # [box, frames left]
    width, height = truth.width, truth.height
    full_w = {w.id: float(np.median([b[2] - b[0] for b in w.boxes])) for w in truth.walkers}
    feet = {w.id: float(np.median([b[3] for b in w.boxes])) for w in truth.walkers}
    events: list[CountedEvent] = []
    for f in range(truth.frames):
        people = [(w.id, np.array(b, float)) for w in truth.walkers
                  if (b := w.box_at(f)) is not None]
        boxes: list[np.ndarray] = []
        sources: list[int] = []
        for wid, box in people:
            if box[2] - box[0] < 0.4 * full_w[wid]:
                continue  # mostly out of the picture
            nearer = [b for o, b in people if o != wid and feet[o] > feet[wid]]
            p = noise.occluded_drop if covered(box, nearer) >= noise.occluded else noise.drop
            if rng.uniform() < p:
                continue
            size = np.array([box[2] - box[0], box[3] - box[1]] * 2)
            boxes.append(box + rng.normal(0, noise.jitter, 4) * size)
            sources.append(wid)
            if rng.uniform() < noise.doubles:
                shift = rng.choice([-1, 1]) * rng.uniform(0.3, 0.6) * size[0]
                ghosts.append([box + np.array([shift, 0, shift, 0]), int(rng.integers(1, 4))])
        for _ in range(rng.poisson(noise.ghosts)):
            h = rng.uniform(0.4, 0.6) * height
            x, y2 = rng.uniform(0, width - 0.4 * h), rng.uniform(0.75, 1.0) * height
            ghosts.append([np.array([x, y2 - h, x + 0.38 * h, y2]), int(rng.integers(1, 4))])
        for g in ghosts:
            size = np.array([g[0][2] - g[0][0], g[0][3] - g[0][1]] * 2)
            boxes.append(g[0] + rng.normal(0, noise.jitter, 4) * size)
            sources.append(-1)
            g[1] -= 1
        ghosts = [g for g in ghosts if g[1] > 0]
        xyxy = np.clip(np.array(boxes, np.float32).reshape(-1, 4), 0, [width, height] * 2)
        kept = (xyxy[:, 2] - xyxy[:, 0] > 4) & (xyxy[:, 3] - xyxy[:, 1] > 4)
        xyxy = xyxy[kept]
        if on_detections is not None:
            on_detections(f, xyxy, np.array(sources, int)[kept])
        dets = Detections(xyxy, rng.uniform(0.4, 0.95, len(xyxy)).astype(np.float32),
                          np.zeros(len(xyxy), int), PERSON)
        tracks = trk.update(dets, None)
        _switch(tracks, ids, overlapping, noise, rng)
        at = EPOCH + timedelta(seconds=f / truth.fps)
        fed = [TrackedObject(ids[t.track_id], t.class_name, t.xyxy) for t in tracks]
        if on_frame is not None:
            on_frame(f, fed)
        counting = engine.update(fed, at)
        for e in counting.events:
            if e.kind == "line":
                t = (e.at - EPOCH).total_seconds()
                events.append(CountedEvent(t, round(t * truth.fps), e.shape_id, e.direction,
                                           e.track_id, e.class_name))
    return events


def _switch(tracks: list, ids: _Ids, overlapping: set[tuple[int, int]], noise: Noise,
            rng: np.random.Generator) -> None:
    """Inject the id switches of a tracker that loses people where they overlap."""
    if len(tracks) < 2:
        overlapping.clear()
        return
    iou = iou_matrix(np.array([t.xyxy for t in tracks]), np.array([t.xyxy for t in tracks]))
    now: set[tuple[int, int]] = set()
    for i in range(len(tracks)):
        for j in range(i + 1, len(tracks)):
            if iou[i, j] > 0.1:
                pair = (tracks[i].track_id, tracks[j].track_id)
                now.add(pair)
                if pair in overlapping:
                    continue  # one chance per meeting
                u = rng.uniform()
                if u < noise.renew:
                    ids.renew(pair[int(rng.integers(2))])
                elif u < noise.renew + noise.swap:
                    ids.swap(*pair)
    overlapping.clear()
    overlapping.update(now)
