"""Hiding people: one pure function, ``obscure(frame, boxes, masks, settings) -> frame``.

Used wherever a picture leaves a worker for people to look at: the frames the detector publishes
for the wall (``camera.view.{id}``), heatmap reference pictures, and snapshots. Boxes are the
detector's, in the frame's pixels; masks are the fixed polygons an admin drew (``ZoneSet.
privacy_masks``), always filled; ``outside_zones`` pixelates everything outside the counting
zones as well. The input is never modified.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

Mode = Literal["off", "blur", "strict"]
Style = Literal["pixelate", "blur"]
MODES: tuple[Mode, ...] = ("off", "blur", "strict")

Box = tuple[float, float, float, float]
Polygon = Sequence[tuple[float, float]]

#: a box is widened by this fraction of its size on each side: detectors' boxes are tight, and
#: an ear or a hand outside the box must not be left sharp
BOX_MARGIN = 0.08
#: a person's box is cut into about this many blocks along its longer side (a face is then one or
#: two blocks: a presence, not a likeness)
BLOCKS_PER_BOX = 10
MIN_BLOCK = 6
#: what a privacy mask is filled with
MASK_COLOUR = (64, 64, 64)


@dataclass(frozen=True)
class PrivacySettings:
    """The site's setting (``--privacy`` of the camera and detector workers).

    ``off``: frames go to the wall as the camera took them. ``blur``: the wall gets only the
    detector's frames with people hidden; the pictures as taken go to detectors point to point,
    and to accounts with the "see faces" right on ``camera.faces`` (each view logged). ``strict``:
    no picture as taken crosses a broker (the camera worker detects in-process, ``--detect``), and
    the whole picture is pixelated, people coarser still: what a detector missed hides too."""

    mode: Mode = "off"
    style: Style = "pixelate"
    #: hide everything outside the counting zones too
    outside_zones: bool = False

    @property
    def on(self) -> bool:
        return self.mode != "off"


def obscure(frame: np.ndarray, boxes: Sequence[Box], masks: Sequence[Polygon] = (),
            settings: PrivacySettings | None = None,
            zones: Sequence[Polygon] = ()) -> np.ndarray:
    """A copy of ``frame`` (BGR) with every box pixelated (or blurred), every mask filled and,
    under ``strict`` everything, with ``settings.outside_zones`` everything outside ``zones``,
    pixelated."""
    settings = settings or PrivacySettings(mode="blur")
    out = frame.copy()
    h, w = out.shape[:2]
    if settings.mode == "strict":
        # A detector misses people (a first frame, a box short of the legs): under strict
        # nothing fine is left anywhere, so a face it missed is a few blocks too.
        out = _pixelate(out, coarse_block(w, h))
    elif settings.outside_zones and zones:
        inside = np.zeros((h, w), np.uint8)
        for z in zones:
            cv2.fillPoly(inside, [_pts(z)], 255)
        coarse = _pixelate(out, coarse_block(w, h))
        out = np.where(inside[..., None] > 0, out, coarse)
    for box in boxes:
        x1, y1, x2, y2 = _widened(box, w, h)
        if x2 <= x1 or y2 <= y1:
            continue
        region = out[y1:y2, x1:x2]
        block = max(MIN_BLOCK, round(max(x2 - x1, y2 - y1) / BLOCKS_PER_BOX))
        if settings.style == "blur":
            k = block * 2 + 1
            out[y1:y2, x1:x2] = cv2.GaussianBlur(_pixelate(region, block), (k, k), 0)
        else:
            out[y1:y2, x1:x2] = _pixelate(region, block)
    for m in masks:
        cv2.fillPoly(out, [_pts(m)], MASK_COLOUR)
    return out


def coarse_block(w: int, h: int) -> int:
    """The block size of a whole picture hidden (strict, or outside the zones): a 40th of its
    longer side, so a face across the room is a block or two."""
    return max(MIN_BLOCK, max(h, w) // 40)


def _widened(box: Box, w: int, h: int) -> tuple[int, int, int, int]:
    x1, y1, x2, y2 = box
    mx, my = (x2 - x1) * BOX_MARGIN, (y2 - y1) * BOX_MARGIN
    return (max(0, int(np.floor(x1 - mx))), max(0, int(np.floor(y1 - my))),
            min(w, int(np.ceil(x2 + mx))), min(h, int(np.ceil(y2 + my))))


def _pixelate(region: np.ndarray, block: int) -> np.ndarray:
    """Each ``block`` x ``block`` square (from the region's corner) becomes its mean colour."""
    h, w = region.shape[:2]
    small = cv2.resize(region, (max(1, -(-w // block)), max(1, -(-h // block))),
                       interpolation=cv2.INTER_AREA)
    big = cv2.resize(small, (small.shape[1] * block, small.shape[0] * block),
                     interpolation=cv2.INTER_NEAREST)
    return big[:h, :w]


def _pts(polygon: Polygon) -> np.ndarray:
    return np.round(np.asarray(polygon, np.float64)).astype(np.int32).reshape(-1, 1, 2)


def add_privacy_arguments(parser) -> None:  # type: ignore[no-untyped-def]
    """``--privacy`` and friends, for the camera and detector workers (a site gives every one of
    them the same; ``$CAMCOUNT_PRIVACY`` is the default)."""
    env = from_env()
    parser.add_argument("--privacy", choices=MODES, default=env.mode,
                        help="hide people on the wall: off, blur (the 'see faces' right may "
                             "see them, logged) or strict (nobody can); default "
                             "$CAMCOUNT_PRIVACY or off (docs/privacy.md)")
    parser.add_argument("--privacy-style", choices=("pixelate", "blur"), default=env.style)
    parser.add_argument("--privacy-outside-zones", action="store_true",
                        default=env.outside_zones,
                        help="also hide everything outside the counting zones")


def privacy_from_args(args) -> PrivacySettings:  # type: ignore[no-untyped-def]
    return PrivacySettings(mode=args.privacy, style=args.privacy_style,
                           outside_zones=args.privacy_outside_zones)


def from_env(environ: dict[str, str] | None = None) -> PrivacySettings:
    """The site's setting from ``CAMCOUNT_PRIVACY`` (off|blur|strict),
    ``CAMCOUNT_PRIVACY_STYLE`` (pixelate|blur) and ``CAMCOUNT_PRIVACY_OUTSIDE_ZONES`` (1)."""
    import os

    env = os.environ if environ is None else environ
    mode = env.get("CAMCOUNT_PRIVACY", "off").strip().lower() or "off"
    style = env.get("CAMCOUNT_PRIVACY_STYLE", "pixelate").strip().lower() or "pixelate"
    if mode not in MODES:
        raise ValueError(f"CAMCOUNT_PRIVACY={mode!r}: expected one of {', '.join(MODES)}")
    if style not in ("pixelate", "blur"):
        raise ValueError(f"CAMCOUNT_PRIVACY_STYLE={style!r}: expected pixelate or blur")
    outside = env.get("CAMCOUNT_PRIVACY_OUTSIDE_ZONES", "") in ("1", "yes", "true")
    return PrivacySettings(mode=mode, style=style, outside_zones=outside)  # type: ignore[arg-type]
