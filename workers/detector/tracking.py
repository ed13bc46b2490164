"""Per-camera trackers: stable track ids from one camera's detections, frame after frame.

ByteTrack as ultralytics runs it, in a copy that needs no torch (the console's HOG fallback runs
without it), or ultralytics' BoT-SORT; and a small IoU tracker of our own, which the accuracy
tools compare them with. All are tuned for analysis rates of 5-10 fps, where a walker moves a
quarter to half of their width between frames.
"""

from __future__ import annotations

import copy
import importlib.util
import logging
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from workers.detector import bytetrack
from workers.detector.base import Detections

log = logging.getLogger(__name__)

#: a track unseen for this long is given up (the counting engine forgets it too)
LOST_SECONDS = 2.0
#: boxes are grown by this fraction of their size on each side before matching (C-BIoU, Yang
#: et al. 2023): at 5 fps a walker's boxes on consecutive frames overlap too little for plain IoU
#: to confirm a new track, while grown boxes still pair each person with their own next box.
MATCH_BUFFER = 0.3
#: a track followed for fewer frames than this is given up once lost for more than ``YOUNG_LOST``
#: frames: it has no speed to coast on, so kept it stands where it was last seen and takes the
#: next person who walks by (a runner, someone passing a false hit); the person it showed, if
#: real, gets a new id, which the counting engine's rejoin continues. On the noise simulator
#: (``bench/accuracy.py``, 816 crossings) this took 30 missed and 10 extra to 29 and 7; other
#: scene seeds in docs/detector.md.
YOUNG_FRAMES, YOUNG_LOST = 4, 2


@dataclass(frozen=True, slots=True)
class Track:
    track_id: int
    class_id: int
    class_name: str
    confidence: float
    xyxy: tuple[float, float, float, float]


class Tracker(ABC):
    """Feed one camera's detections in frame order; get the tracks seen in that frame."""

    def __init__(self, frame_rate: float) -> None:
        self.set_frame_rate(frame_rate)

    def set_frame_rate(self, fps: float) -> None:
        """The rate the tracker is stepped at, which sets how many frames a lost track is kept."""
        self.frame_rate = fps
        self.max_lost = max(1, math.ceil(LOST_SECONDS * fps))

    @abstractmethod
    def update(self, detections: Detections, image: np.ndarray | None = None) -> list[Track]: ...

    @abstractmethod
    def lost_ids(self) -> set[int]:
        """Tracks still remembered but not seen in the last update."""


def grow(xyxy: np.ndarray, buffer: float) -> np.ndarray:
    """Boxes (N, 4) enlarged by ``buffer`` times their width/height on each side."""
    xyxy = np.asarray(xyxy, np.float32).reshape(-1, 4)
    pad = (xyxy[:, 2:] - xyxy[:, :2]) * buffer
    return np.concatenate([xyxy[:, :2] - pad, xyxy[:, 2:] + pad], axis=1)


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box in ``a`` (N, 4) with every box in ``b`` (M, 4)."""
    tl = np.maximum(a[:, None, :2], b[None, :, :2])
    br = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(br - tl, 0, None), axis=2)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=1)
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-9)


def create_tracker(kind: Literal["bytetrack", "botsort"] = "bytetrack",
                   frame_rate: float = 5.0) -> Tracker:
    """ByteTrack (our torch-free copy of ultralytics'), or ultralytics' BoT-SORT where ultralytics
    is installed (it loads torch); without ultralytics BoT-SORT falls back to ByteTrack."""
    if kind == "botsort":
        if importlib.util.find_spec("ultralytics") is not None:
            return ByteTracker(frame_rate, botsort=True)
        log.warning("BoT-SORT needs ultralytics, which is not installed here; tracking with ByteTrack")
    return ByteTracker(frame_rate)


class _Boxes:
    """What ByteTrack reads from a ``Results.boxes``: numpy arrays, boolean indexing."""

    def __init__(self, xyxy: np.ndarray, conf: np.ndarray, cls: np.ndarray) -> None:
        self.xyxy, self.conf, self.cls = xyxy, conf, cls
        self.xywh = np.concatenate([(xyxy[:, :2] + xyxy[:, 2:]) / 2, xyxy[:, 2:] - xyxy[:, :2]], axis=1)

    def __len__(self) -> int:
        return len(self.conf)

    def __getitem__(self, index: Any) -> _Boxes:
        return _Boxes(self.xyxy[index], self.conf[index], self.cls[index])


def retuned(settings: Any) -> Any:
    """The stock tracker settings, retuned (see ``ByteTracker``)."""
    settings = copy.copy(settings)
    # The detector already applied the operator's confidence; the tracker must not filter again.
    settings.fuse_score = False
    settings.track_high_thresh = settings.new_track_thresh = 0.0
    return settings


def buffered_dists(tracks: list[Any], detections: list[Any]) -> np.ndarray:
    """Tracker-to-detection costs on grown boxes (``MATCH_BUFFER``)."""
    a = grow(np.array([t.xyxy for t in tracks]), MATCH_BUFFER)
    b = grow(np.array([d.xyxy for d in detections]), MATCH_BUFFER)
    return bytetrack.iou_distance(list(a), list(b))


class ByteTracker(Tracker):
    """ByteTrack (``workers/detector/bytetrack.py``, ultralytics' own arithmetic without torch) or
    ultralytics' BoT-SORT, with the stock settings of ``ultralytics/cfg/trackers/*.yaml`` retuned:

    * ``track_buffer`` is ``LOST_SECONDS`` of frames at the analysis rate, not 30 frames;
    * matching uses grown boxes (``MATCH_BUFFER``) so slow analysis rates still associate;
    * ``fuse_score`` is off: it multiplies overlap by confidence, which at these overlaps would
      leave weak but real detections (HOG's, a person half in view) unmatched;
    * every detection is "high" and may start a track: the detector's confidence is the filter;
    * a lost track followed for only a few frames is given up at once (``YOUNG_FRAMES``).

    On eight synthetic street clips and the sample video (HOG detections, counts against ground
    truth) the stock settings counted 7 of 9 exactly at 5 fps and 1 of 9 at 3.3 fps; these count
    9 of 9 at 10, 5 and 3.3 fps. Below ~3 fps walkers jump more than their width between frames and
    counts degrade whatever the tuning. BoT-SORT's ReID (off in its yaml) is not used.
    """

    def __init__(self, frame_rate: float, *, botsort: bool = False) -> None:
        if botsort:
            import ultralytics
            from ultralytics.trackers.bot_sort import BOTSORT
            from ultralytics.utils import YAML, IterableSimpleNamespace

            from workers.detector.yolo import route_ultralytics_logs

            route_ultralytics_logs()
            cfg = Path(ultralytics.__file__).parent / "cfg" / "trackers" / "botsort.yaml"
            base, settings = BOTSORT, IterableSimpleNamespace(**YAML.load(cfg))
        else:
            base, settings = bytetrack.BYTETracker, bytetrack.STOCK_SETTINGS

        class Buffered(base):  # type: ignore[misc, valid-type]
            def get_dists(self, tracks: list[Any], detections: list[Any]) -> np.ndarray:
                return buffered_dists(tracks, detections)

        self._impl = Buffered(retuned(settings))
        super().__init__(frame_rate)

    def update(self, detections: Detections, image: np.ndarray | None = None) -> list[Track]:
        boxes = _Boxes(detections.xyxy.astype(np.float32), detections.confidence.astype(np.float32),
                       detections.class_id.astype(np.float32))
        self._impl.max_frames_lost = self.max_lost
        rows = self._impl.update(boxes, image)
        self._drop_young_lost()
        # rows: x1, y1, x2, y2, track_id, score, cls, detection index
        return [Track(int(r[4]), int(r[6]), detections.names.get(int(r[6]), str(int(r[6]))),
                      float(detections.confidence[int(r[7])]), tuple(float(v) for v in r[:4]))
                for r in rows]

    def lost_ids(self) -> set[int]:
        return {t.track_id for t in self._impl.lost_stracks}

    def _drop_young_lost(self) -> None:
        """Give up lost tracks followed for fewer than ``YOUNG_FRAMES`` frames (``YOUNG_LOST``)."""
        impl = self._impl
        young = [t for t in impl.lost_stracks if t.frame_id - t.start_frame < YOUNG_FRAMES
                 and impl.frame_id - t.frame_id > YOUNG_LOST]
        for t in young:
            t.state = bytetrack.REMOVED
        if young:
            impl.lost_stracks = [t for t in impl.lost_stracks if t.state != bytetrack.REMOVED]
            impl.removed_stracks.extend(young)


@dataclass
class _IouTrack:
    track_id: int
    box: np.ndarray  # xyxy, where it was last seen
    velocity: np.ndarray  # xyxy change per frame, for the next prediction
    class_id: int
    confidence: float
    hits: int = 1
    lost: int = 0

    def predicted(self) -> np.ndarray:
        return self.box + self.velocity * (self.lost + 1)


class IouTracker(Tracker):
    """A small SORT-like tracker (the noise simulator's ``tracker="iou"``): constant-velocity
    prediction, greedy matching on grown-box IoU (same class only), shown from its second
    sighting (a one-frame false hit never gets an id), kept ``LOST_SECONDS`` after it was last
    seen."""

    MIN_IOU = 0.2

    def __init__(self, frame_rate: float) -> None:
        super().__init__(frame_rate)
        self._tracks: list[_IouTrack] = []
        self._next_id = 1

    def update(self, detections: Detections, image: np.ndarray | None = None) -> list[Track]:
        boxes = detections.xyxy.astype(np.float32)
        matched: dict[int, int] = {}  # detection index -> track index
        if self._tracks and len(boxes):
            iou = iou_matrix(grow(np.array([t.predicted() for t in self._tracks]), MATCH_BUFFER),
                             grow(boxes, MATCH_BUFFER))
            same = np.array([t.class_id for t in self._tracks])[:, None] == detections.class_id[None, :]
            iou[~same] = 0.0
            for ti, di in zip(*np.unravel_index(np.argsort(-iou, axis=None), iou.shape), strict=True):
                if iou[ti, di] < self.MIN_IOU:
                    break
                if di not in matched and ti not in matched.values():
                    matched[int(di)] = int(ti)
        seen: list[_IouTrack] = []
        for di, ti in matched.items():
            t = self._tracks[ti]
            t.velocity = (boxes[di] - t.box) / (t.lost + 1)
            t.box, t.lost, t.hits = boxes[di], 0, t.hits + 1
            t.confidence = float(detections.confidence[di])
            seen.append(t)
        for t in self._tracks:
            if t not in seen:
                t.lost += 1
        for di in set(range(len(boxes))) - matched.keys():
            t = _IouTrack(self._next_id, boxes[di], np.zeros(4, np.float32),
                          int(detections.class_id[di]), float(detections.confidence[di]))
            self._next_id += 1
            self._tracks.append(t)
        self._tracks = [t for t in self._tracks if t.lost <= self.max_lost]
        return [Track(t.track_id, t.class_id, detections.names.get(t.class_id, str(t.class_id)),
                      t.confidence, tuple(float(v) for v in t.box))
                for t in self._tracks if t.lost == 0 and t.hits >= 2]

    def lost_ids(self) -> set[int]:
        return {t.track_id for t in self._tracks if t.lost > 0 and t.hits >= 2}
