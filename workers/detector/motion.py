"""A cheap motion gate: skip inference on frames where nothing moved.

Each frame is compared with the *last frame inference ran on*, not with the previous frame:
skipped frames reuse that frame's tracks, so what matters is whether anything changed since
then, and slow movement that adds up over many frames must not slip through a frame-to-frame
test. A frame is "moving" when more than ``min_changed`` of its (downscaled, blurred, grey)
pixels differ from that reference by more than ``pixel_delta``. Inference is forced anyway
every ``max_skip_seconds`` / ``max_skip_frames`` so a static scene is still looked at.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import cv2
import numpy as np


class Verdict(Enum):
    FIRST = "first"  # no reference yet (or the frame size changed): infer
    MOTION = "motion"  # something moved since the last inference: infer
    REFRESH = "refresh"  # nothing moved, but the last inference is too old: infer
    STATIC = "static"  # nothing moved: reuse the last inference

    @property
    def infer(self) -> bool:
        return self is not Verdict.STATIC


class MotionGate:
    """Not thread-safe: one gate per camera, fed that camera's frames in order."""

    def __init__(self, *, width: int = 320, pixel_delta: int = 25, min_changed: float = 0.0005,
                 max_skip_frames: int = 100, max_skip_seconds: float = 5.0) -> None:
        # 320 px wide keeps a walker ~30x90 px on a 1080p camera; 25 grey levels after a blur is
        # above compression noise; 0.05% of the frame (29 px at 320x180) is less than a walker's
        # first 16 px stepping into a 960 px frame, which at 0.1% could go unnoticed.
        self.width = width
        self.pixel_delta = pixel_delta
        self.min_changed = min_changed
        self.max_skip_frames = max_skip_frames
        self.max_skip_seconds = max_skip_seconds
        self._reference: np.ndarray | None = None
        self._reference_at: datetime | None = None
        self._skipped = 0
        #: fraction of pixels that changed in the last frame checked
        self.changed = 0.0

    def check(self, image_bgr: np.ndarray, at: datetime) -> Verdict:
        """Judge a frame; on any verdict but STATIC it becomes the new reference."""
        small = self._prepare(image_bgr)
        verdict = self._judge(small, at)
        if verdict.infer:
            self._reference, self._reference_at, self._skipped = small, at, 0
        else:
            self._skipped += 1
        return verdict

    def _judge(self, small: np.ndarray, at: datetime) -> Verdict:
        ref = self._reference
        if ref is None or ref.shape != small.shape or self._reference_at is None:
            self.changed = 1.0
            return Verdict.FIRST
        diff = cv2.absdiff(small, ref)
        self.changed = cv2.countNonZero(cv2.threshold(diff, self.pixel_delta, 255, cv2.THRESH_BINARY)[1]) \
            / diff.size
        if self.changed > self.min_changed:
            return Verdict.MOTION
        if (self._skipped + 1 > self.max_skip_frames
                or (at - self._reference_at).total_seconds() >= self.max_skip_seconds):
            return Verdict.REFRESH
        return Verdict.STATIC

    def _prepare(self, image_bgr: np.ndarray) -> np.ndarray:
        h, w = image_bgr.shape[:2]
        scale = min(1.0, self.width / w)
        small = cv2.resize(image_bgr, (max(1, round(w * scale)), max(1, round(h * scale))),
                           interpolation=cv2.INTER_AREA)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
        return cv2.GaussianBlur(grey, (5, 5), 0)
