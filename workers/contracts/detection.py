"""Detection results: the seed's ``detection_results`` and ``counting_data`` blocks.

Each result also lists the count events the frame produced (crossings, zone entries and exits)
so storage can keep one row per event, unique by message and track.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from workers.contracts.base import Contract


class Detection(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    class_name: str = Field(alias="class")
    class_id: int = -1
    confidence: float = Field(ge=0, le=1)
    #: [x1, y1, x2, y2] in pixels of the frame the result was computed on
    bbox: tuple[float, float, float, float]
    track_id: int | None = None


class DetectionBlock(BaseModel):
    model_config = ConfigDict(extra="forbid")

    detections: list[Detection] = Field(default_factory=list)
    total_count: int = Field(ge=0)
    #: seconds spent on this frame (decode + inference + tracking + counting)
    processing_time: float = Field(ge=0)
    model_version: str
    #: inference skipped because nothing moved; detections are the tracker's last state
    motion_skipped: bool = False
    #: frames of this camera skipped since its previous result because a newer one was already
    #: waiting: the detector falls behind by skipping frames, never by queueing them
    frames_skipped: int = Field(default=0, ge=0)


class LineCounts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count_in: int = 0
    count_out: int = 0
    by_class: dict[str, dict[Literal["in", "out"], int]] = Field(default_factory=dict)


class ZoneAnalysis(BaseModel):
    model_config = ConfigDict(extra="forbid")

    occupancy: int = 0
    entries: int = 0
    exits: int = 0
    occupancy_by_class: dict[str, int] = Field(default_factory=dict)
    #: seconds each track now inside has spent in the zone
    dwell_seconds: dict[int, float] = Field(default_factory=dict)


class CountEvent(BaseModel):
    """One line crossing, one zone entry/exit, or one route completed (``shape_id`` is the
    route's id, ``direction`` "in", ``origin``/``destination`` its first and last shapes)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["line", "zone", "route"]
    shape_id: str
    direction: Literal["in", "out"]
    class_name: str
    track_id: int
    at: datetime
    #: seconds spent in the zone, on a zone exit; on a route, seconds from its first step to
    #: its last (the transit time)
    dwell_seconds: float | None = None
    #: left out of the JSON unless set, so a line or zone event reads as it always did
    origin: str | None = Field(default=None, exclude_if=lambda v: v is None)
    destination: str | None = Field(default=None, exclude_if=lambda v: v is None)


class CountingData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: when this detector started counting this camera: ``count_in``/``count_out`` are of what
    #: came after (a console adds what analytics stored before it, so a restart never shows 0)
    counting_since: datetime | None = None
    count_in: int = 0
    count_out: int = 0
    #: in minus out since the detector started counting this camera
    total_count: int = 0
    zones_version: int = 0
    lines: dict[str, LineCounts] = Field(default_factory=dict)
    zone_analysis: dict[str, ZoneAnalysis] = Field(default_factory=dict)
    #: route id -> people who completed it, per class, since the detector started counting
    routes: dict[str, dict[str, int]] = Field(default_factory=dict, exclude_if=lambda v: not v)
    events: list[CountEvent] = Field(default_factory=list)


class DetectionResult(Contract):
    type_name: ClassVar[str] = "detection_result"

    camera_id: str = Field(min_length=1)
    zone_id: str | None = None
    frame_id: str = Field(min_length=1)
    frame_timestamp: datetime
    frame_width: int = Field(gt=0)
    frame_height: int = Field(gt=0)
    detection_results: DetectionBlock
    counting_data: CountingData = Field(default_factory=CountingData)
