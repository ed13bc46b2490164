"""Count events as facts: what one frame counted, stored by analytics exactly once.

Per-frame detection results are live data for the wall (the newest wins, an old one may be
dropped). The count events they carry are facts: the detector also publishes them on their own
durable path (``camera.counts.{camera_id}`` → ``camera.count.events``), with confirms, buffered on
disk while the broker cannot take them. ``message_id`` is fixed when the events are counted, so a
message published twice is stored once.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from workers.contracts.base import Contract
from workers.contracts.detection import CountEvent


class CountEvents(Contract):
    type_name: ClassVar[str] = "count_events"

    camera_id: str = Field(min_length=1)
    #: the frame whose detections produced these events
    frame_id: str = Field(min_length=1)
    frame_timestamp: datetime
    zones_version: int = 0
    events: list[CountEvent] = Field(min_length=1)
