"""Decoded frames for the wall: JPEG decode off the Qt thread and a short ring buffer by frame_id.

Decoding runs in an executor thread. OpenCV releases the GIL while it decodes, can decode at 1/2,
1/4 or 1/8 scale directly, and the result is converted to ``Format_RGB32`` so the Qt thread only
blits an image already the size of its tile.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

import cv2
import numpy as np
from PySide6.QtGui import QImage

_REDUCED = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
            8: cv2.IMREAD_REDUCED_COLOR_8}


@dataclass(frozen=True)
class DecodedFrame:
    camera_id: str
    frame_id: str
    #: possibly smaller than the frame; results and zones refer to ``width`` x ``height``
    image: QImage
    width: int
    height: int
    captured_at: datetime
    fps: float
    #: the detector's picture with people hidden (the site's privacy on)
    people_hidden: bool = False
    #: the picture as taken, on the "see faces" right (each view logged)
    faces: bool = False


def fit_size(width: int, height: int, box_w: int, box_h: int) -> tuple[int, int]:
    """The size of a width x height image scaled to fit a box, aspect kept, never enlarged."""
    scale = min(box_w / width, box_h / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def decode_jpeg(jpeg: bytes, width: int, height: int, box: tuple[int, int] | None) -> QImage | None:
    """Decode a JPEG, fitted to ``box`` (the tile's size) when given. Runs in an executor."""
    target = fit_size(width, height, *box) if box else (width, height)
    reduction = 1
    while reduction < 8 and width // (reduction * 2) >= target[0] and height // (reduction * 2) >= target[1]:
        reduction *= 2
    bgr = cv2.imdecode(np.frombuffer(jpeg, np.uint8), _REDUCED[reduction])
    if bgr is None:
        return None
    if (bgr.shape[1], bgr.shape[0]) != target:
        bgr = cv2.resize(bgr, target, interpolation=cv2.INTER_AREA)
    h, w = bgr.shape[:2]
    # convert straight into the QImage's own pixels: one pass, no intermediate copy
    image = QImage(w, h, QImage.Format.Format_RGB32)
    pixels = np.frombuffer(image.bits(), np.uint8).reshape(h, image.bytesPerLine())[:, : w * 4]
    cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA, dst=pixels.reshape(h, w, 4))  # RGB32 byte order (LE)
    return image


class FrameRing:
    """The last few frames of one camera by frame_id, so a result is drawn on its own frame."""

    def __init__(self, capacity: int = 24):
        self.capacity = capacity
        self._frames: OrderedDict[str, DecodedFrame] = OrderedDict()

    def add(self, frame: DecodedFrame) -> None:
        self._frames[frame.frame_id] = frame
        self._frames.move_to_end(frame.frame_id)
        while len(self._frames) > self.capacity:
            self._frames.popitem(last=False)

    def get(self, frame_id: str) -> DecodedFrame | None:
        return self._frames.get(frame_id)

    def latest(self) -> DecodedFrame | None:
        return next(reversed(self._frames.values()), None)

    def clear(self) -> None:
        self._frames.clear()

    def __len__(self) -> int:
        return len(self._frames)
