"""Messages the console's tests feed it: camera frames of one colour, and detection results with
boxes on them."""

from __future__ import annotations

from datetime import UTC, datetime

import cv2
import numpy as np

from workers.contracts import Detection, DetectionBlock, DetectionResult, Frame


def solid_jpeg(bgr: tuple[int, int, int], width: int = 320, height: int = 180) -> bytes:
    image = np.zeros((height, width, 3), np.uint8)
    image[:] = bgr
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return buf.tobytes()


def frame(camera_id: str, n: int, bgr: tuple[int, int, int] = (40, 160, 40), width: int = 320,
          height: int = 180) -> Frame:
    return Frame(camera_id=camera_id, frame_id=f"{camera_id}:{n}", width=width, height=height,
                 fps=10, quality=95, jpeg=solid_jpeg(bgr, width, height))


def result(camera_id: str, n: int, boxes: list[tuple[float, float, float, float]],
           width: int = 320, height: int = 180) -> DetectionResult:
    dets = [Detection(class_name="person", confidence=0.9, bbox=b, track_id=i + 1)
            for i, b in enumerate(boxes)]
    return DetectionResult(
        camera_id=camera_id, frame_id=f"{camera_id}:{n}", frame_timestamp=datetime.now(UTC),
        frame_width=width, frame_height=height,
        detection_results=DetectionBlock(detections=dets, total_count=len(dets),
                                         processing_time=0.01, model_version="test"))
