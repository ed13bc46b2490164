"""Snapshots: the picture of a counted moment, as evidence next to the count it shows.

A detector that counts something draws the frame it counted on (boxes, track ids, the camera's
lines and zones) and publishes it on ``camera.snapshot.{camera_id}``, keyed by the message id of
the ``CountEvents`` it shows. It travels apart from the count on purpose: a count is a fact and
must never be lost, a snapshot is evidence that may be capped, dropped or pruned, so losing one
never costs a count, and count events stay small. Like a frame, the JPEG is the body and the
fields are headers (no base64).
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import AwareDatetime, Field

from workers.contracts.base import TYPE_HEADER, Contract, ContractError, Metadata

_JPEG_MAGIC = b"\xff\xd8"

#: the largest snapshot any consumer takes; detectors aim well below (``SNAPSHOT_BYTES``), and a
#: stored one still fits, base64-encoded, in a 1 MiB request reply
MAX_SNAPSHOT_BYTES = 512 << 10
#: what a detector aims for by default: quality is stepped down until it fits
SNAPSHOT_BYTES = 200 << 10


class Snapshot(Contract):
    type_name: ClassVar[str] = "snapshot"
    max_bytes: ClassVar[int] = MAX_SNAPSHOT_BYTES

    camera_id: str = Field(min_length=1)
    #: the ``CountEvents.message_id`` this picture is the evidence of
    event_message_id: str = Field(min_length=1, max_length=64)
    frame_id: str = Field(min_length=1)
    #: when the frame was captured (the count events' ``frame_timestamp``)
    taken_at: AwareDatetime
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    #: the lines and zones the events of this frame were counted on
    shape_ids: list[str] = Field(default_factory=list)
    jpeg: bytes = Field(repr=False)

    def to_wire(self) -> tuple[bytes, dict[str, Any]]:
        headers = {
            TYPE_HEADER: self.type_name,
            "message_id": self.message_id,
            "timestamp": self.timestamp.isoformat(),
            "schema_version": self.schema_version,
            "camera_id": self.camera_id,
            "event_message_id": self.event_message_id,
            "frame_id": self.frame_id,
            "taken_at": self.taken_at.isoformat(),
            "width": self.width,
            "height": self.height,
            # one string: AMQP header arrays are not read alike by every client
            "shape_ids": ",".join(self.shape_ids),
            "source": self.metadata.source,
        }
        return self.jpeg, headers

    @classmethod
    def from_wire(cls, body: bytes, headers: dict[str, Any] | None = None) -> Self:
        h = dict(headers or {})
        cls.check_size(body)
        if not body.startswith(_JPEG_MAGIC):
            raise ContractError("Snapshot.jpeg: body is not a JPEG image")
        fields = {k: h[k] for k in cls.model_fields if k in h and k != "shape_ids"}
        shapes = str(h.get("shape_ids") or "")
        meta = Metadata(source=str(h.get("source", "unknown"))).model_dump()
        return cls.validate_dict({**fields, "shape_ids": [s for s in shapes.split(",") if s],
                                  "metadata": meta, "jpeg": body})
