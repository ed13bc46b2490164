"""``create_detector``: YOLO when it can be had, else (in "auto") the HOG fallback, saying why.

Nothing heavy is imported here: the console imports this package, and torch/ultralytics load
only when a YOLO detector is actually built.
"""

from __future__ import annotations

import logging

from workers.detector.base import Detector, DetectorConfig
from workers.detector.hog import HogDetector

log = logging.getLogger(__name__)


def create_detector(config: DetectorConfig) -> Detector:
    """Blocking (loading weights or exporting a model takes seconds): call it from an executor.

    Raises ``ModelUnavailableError`` for ``kind="yolo"`` without usable weights; "auto" falls
    back to HOG only then, and any other error (an unknown class name, say) is raised as is.
    """
    if config.kind == "hog":
        return HogDetector(config)
    from workers.detector.yolo import ModelUnavailableError, YoloDetector

    try:
        return YoloDetector(config)
    except ModelUnavailableError as exc:
        if config.kind == "yolo":
            raise
        log.warning("falling back to the OpenCV HOG people detector: %s", exc)
        return HogDetector(config, fallback_reason=str(exc), short_reason=exc.short,
                           fallback_phrase=exc.phrase)
