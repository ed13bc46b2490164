"""The evidence picture of a counted frame: drawn where the frame and its boxes are, JPEG-encoded
within a size cap.

``draw_snapshot`` is the one place a snapshot's pixels are made: anything that must change what
a stored picture shows (privacy blurring of people, for one) hooks there, before the drawing.
Blocking (OpenCV): run it in an executor thread, never on the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from workers.contracts.detection import CountEvent, Detection
from workers.contracts.zones import ZoneSet

#: JPEG qualities tried in turn until the picture fits its cap
QUALITY_STEPS = (85, 70, 55, 40, 25)
#: below the lowest quality the picture is halved, at most this many times
MAX_HALVINGS = 3

_LINE = (0, 215, 255)  # BGR: amber lines
_ZONE = (255, 160, 60)  # BGR: blue zones
_BOX = (90, 200, 60)  # BGR: green boxes
_COUNTED = (40, 40, 230)  # BGR: red for the tracks this snapshot is the evidence of


class TooLarge(ValueError):
    """Not even the smallest, lowest-quality version fits the cap."""


def draw_snapshot(image_bgr: np.ndarray, detections: Sequence[Detection], zones: ZoneSet,
                  events: Sequence[CountEvent]) -> np.ndarray:
    """A copy of the frame with the camera's lines and zones, every box with its track id, and
    the tracks that were counted (with what was counted) in red."""
    out = image_bgr.copy()
    h, w = out.shape[:2]
    sx = w / zones.frame_width if zones.frame_width else 1.0
    sy = h / zones.frame_height if zones.frame_height else 1.0
    thick = max(1, round(min(w, h) / 300))
    counted = {e.track_id: e for e in events}
    for zone in zones.zones:
        pts = np.array([[x * sx, y * sy] for x, y in zone.points], np.int32)
        cv2.polylines(out, [pts], True, _ZONE, thick, cv2.LINE_AA)
        _label(out, zone.label, (int(pts[:, 0].min()), int(pts[:, 1].min())), _ZONE)
    for line in zones.lines:
        (x1, y1), (x2, y2) = line.points
        a, b = (int(x1 * sx), int(y1 * sy)), (int(x2 * sx), int(y2 * sy))
        cv2.arrowedLine(out, a, b, _LINE, thick + 1, cv2.LINE_AA, tipLength=0.04)
        _label(out, line.label, a, _LINE)
    for d in detections:
        x1, y1, x2, y2 = (int(v) for v in d.bbox)
        event = counted.get(d.track_id) if d.track_id is not None else None
        color = _COUNTED if event is not None else _BOX
        cv2.rectangle(out, (x1, y1), (x2, y2), color, thick + (1 if event else 0))
        text = f"#{d.track_id}" if d.track_id is not None else d.class_name
        if event is not None:
            text += f" {event.direction} {event.shape_id}"
        _label(out, text, (x1, y1), color)
    return out


def encode_capped(image_bgr: np.ndarray, max_bytes: int) -> bytes:
    """JPEG bytes no larger than ``max_bytes``: quality stepped down first, then the picture
    halved (a cap is a promise to storage, and a smaller picture of the moment beats none)."""
    image = image_bgr
    for _ in range(MAX_HALVINGS + 1):
        for quality in QUALITY_STEPS:
            ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
            if ok and buf.nbytes <= max_bytes:
                return buf.tobytes()
        image = cv2.resize(image, (max(1, image.shape[1] // 2), max(1, image.shape[0] // 2)),
                           interpolation=cv2.INTER_AREA)
    raise TooLarge(f"no JPEG of this frame fits in {max_bytes:,} bytes")


def _label(image: np.ndarray, text: str, at: tuple[int, int], color: tuple[int, int, int]) -> None:
    # readable when the picture is shown a third of its size: about 1/30 of its height
    scale = max(0.6, image.shape[0] / 600)
    weight = 1 if scale < 0.9 else 2
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, weight)
    x, y = max(0, at[0]), max(th + base + 2, at[1])
    cv2.rectangle(image, (x, y - th - base - 2), (x + tw + 4, y), color, -1)
    cv2.putText(image, text, (x + 2, y - base), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0),
                weight, cv2.LINE_AA)
