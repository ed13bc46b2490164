"""Drawing a heatmap: the grid coloured (cold = few, hot = many), see-through where nothing was,
over the camera's reference picture. One renderer for the console and the PDF report."""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

What = Literal["visits", "dwell"]
#: the most opaque a cell gets: the scene stays readable under the hottest spot
MAX_ALPHA = 0.72


def heat_rgba(values: np.ndarray, width: int, height: int) -> np.ndarray:
    """``values`` (rows x cols) as an RGBA picture of ``width`` x ``height``: colour by the square
    root of each cell's share of the hottest (a few busy cells do not wash out the rest), alpha
    rising with it, fully transparent where the value is 0."""
    v = np.asarray(values, np.float64)
    top = v.max() if v.size else 0.0
    norm = np.sqrt(v / top) if top > 0 else np.zeros_like(v)
    smooth = cv2.resize(norm.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    k = max(3, (3 * width // v.shape[1]) | 1) if v.size else 3  # about three cells wide
    smooth = cv2.GaussianBlur(smooth, (k, k), 0)
    colours = cv2.applyColorMap(np.clip(smooth * 255, 0, 255).astype(np.uint8),
                                cv2.COLORMAP_JET)
    alpha = np.clip(smooth * 1.6, 0, 1) * MAX_ALPHA
    rgba = np.dstack([colours[..., ::-1], (alpha * 255).astype(np.uint8)])
    return np.ascontiguousarray(rgba)


def composite(reference_bgr: np.ndarray | None, values: np.ndarray, width: int,
              height: int) -> np.ndarray:
    """The heat over the reference picture (grey when there is none), BGR ``width`` x ``height``."""
    if reference_bgr is None:
        base = np.full((height, width, 3), 60, np.uint8)
    else:
        base = cv2.resize(reference_bgr, (width, height), interpolation=cv2.INTER_AREA)
    heat = heat_rgba(values, width, height)
    alpha = heat[..., 3:4].astype(np.float32) / 255.0
    out = base.astype(np.float32) * (1 - alpha) + heat[..., 2::-1].astype(np.float32) * alpha
    return out.astype(np.uint8)


def decode_reference(jpeg: bytes | None) -> np.ndarray | None:
    if not jpeg:
        return None
    return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
