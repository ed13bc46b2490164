"""A heatmap reply as Qt pictures (the colouring is ``workers.heatmap.render``'s, shared with
the PDF report). Cheap: a 64x36 grid scaled once per answer, never per paint."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from workers.contracts.queries import HeatmapReply
from workers.heatmap.render import What, composite, decode_reference, heat_rgba


def values(reply: HeatmapReply, what: What) -> np.ndarray:
    return np.asarray(getattr(reply, what), np.float64).reshape(reply.rows, reply.cols)


def overlay_image(reply: HeatmapReply, what: What, width: int = 640) -> QImage:
    """The heat alone, see-through where nothing was, at the frame's aspect."""
    height = max(1, round(width * reply.frame_height / reply.frame_width))
    return _qimage(heat_rgba(values(reply, what), width, height), QImage.Format.Format_RGBA8888)


def picture(reply: HeatmapReply, what: What, width: int = 960) -> QImage:
    """The heat over the reference picture of the camera (grey when analytics has none)."""
    height = max(1, round(width * reply.frame_height / reply.frame_width))
    bgr = composite(decode_reference(reply.reference_jpeg), values(reply, what), width, height)
    return _qimage(np.ascontiguousarray(bgr[..., ::-1]), QImage.Format.Format_RGB888)


def _qimage(pixels: np.ndarray, fmt: QImage.Format) -> QImage:
    h, w, channels = pixels.shape
    return QImage(pixels.data, w, h, w * channels, fmt).copy()  # owns its pixels
