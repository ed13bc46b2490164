"""A camera a detector follows: its frame queue subscription, its pipeline, its own settings
and the figures of its frames."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from workers.bus import Subscription
from workers.contracts import CameraConfig, ZoneSet
from workers.detector.base import Detector
from workers.detector.pipeline import CameraPipeline
from workers.heatmap import HeatAccumulator

#: a camera that sent us a frame this recently is one we are the active consumer for
ACTIVE_WINDOW_S = 3.0
#: frame ids remembered per camera, to drop one handled already (a redelivery after a lost
#: channel may replay a batch: a tracker fed the same walk twice would count it twice)
SEEN_FRAMES = 512


@dataclass
class FollowedCamera:
    camera_id: str
    sub: Subscription | None = None
    pipeline: CameraPipeline | None = None
    zones: ZoneSet | None = None
    #: the camera's own configuration, once a ``configure`` told us
    config: CameraConfig | None = None
    #: the camera's own model, else None: the worker's
    detector: Detector | None = None
    #: the camera's classes, else None: the worker's
    classes: list[str] | None = None
    #: what its results report when it is not simply the detector's (a model that failed)
    model_version: str = ""
    last_frame: float = 0.0  # monotonic
    frames: int = 0
    stale_dropped: int = 0
    replayed_dropped: int = 0
    #: frames skipped because a newer one was waiting (``scheduler``), in all and since the
    #: camera's last result (which reports them)
    frames_skipped: int = 0
    skipped_since_result: int = 0
    fps: float = 0.0
    recent: list[float] = field(default_factory=list)
    seen: deque[str] = field(default_factory=lambda: deque(maxlen=SEEN_FRAMES))
    #: where its tracks were since the last heatmap fact
    heat: HeatAccumulator | None = None

    def first_sight(self, frame_id: str) -> bool:
        if frame_id in self.seen:
            return False
        self.seen.append(frame_id)
        return True

    def active(self, now: float) -> bool:
        return now - self.last_frame < ACTIVE_WINDOW_S
