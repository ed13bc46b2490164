"""What the counting engine is fed, and what each line or zone remembers about a track."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeVar

from workers.contracts.zones import Anchor
from workers.counting.hysteresis import Debounced
from workers.geometry import Point

BBox = tuple[float, float, float, float]
Direction = Literal["in", "out"]
T = TypeVar("T")

#: where between the box's top (0) and bottom (1) the anchor sits
_ANCHOR_Y = {"top_center": 0.0, "center": 0.5, "bottom_center": 1.0}


@dataclass(frozen=True, slots=True)
class TrackedObject:
    track_id: int
    class_name: str
    #: (x1, y1, x2, y2) in pixels of the frame the zone set is drawn on
    bbox: BBox


def anchor_point(bbox: BBox, anchor: Anchor = "bottom_center") -> Point:
    """The point of a box that lines and zones test; the feet by default, as people walk on them."""
    x1, y1, x2, y2 = bbox
    return (x1 + x2) / 2.0, y1 + (y2 - y1) * _ANCHOR_Y[anchor]


class ShapeTrack(Debounced[T]):
    """One track as one shape sees it: its debounced state and when the shape last saw it.

    Each shape keeps its own, because a shape's class filter can hide a track on some frames.
    """

    __slots__ = ("class_name", "seen_frame", "seen_at")

    def __init__(self, class_name: str, frame: int, at: datetime) -> None:
        super().__init__()
        self.class_name = class_name
        self.seen_frame = frame
        self.seen_at = at

    def seen(self, class_name: str, frame: int, at: datetime) -> None:
        self.class_name, self.seen_frame, self.seen_at = class_name, frame, at


def stale_ids(
    tracks: Mapping[int, ShapeTrack], oldest_frame: int, oldest_at: datetime | None
) -> list[int]:
    """Tracks last seen before frame ``oldest_frame`` or before ``oldest_at``."""
    return [
        tid for tid, st in tracks.items()
        if st.seen_frame < oldest_frame or (oldest_at is not None and st.seen_at < oldest_at)
    ]
