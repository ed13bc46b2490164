"""Camera frames: JPEG bytes in the body, the seed's frame fields as AMQP headers (no base64)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Self

from pydantic import Field

from workers.contracts.base import TYPE_HEADER, Contract, ContractError, Metadata

_JPEG_MAGIC = b"\xff\xd8"


class Frame(Contract):
    type_name: ClassVar[str] = "frame"
    #: a 4K JPEG at quality 95 is about 3 MB
    max_bytes: ClassVar[int] = 16 << 20

    camera_id: str = Field(min_length=1)
    frame_id: str = Field(min_length=1)
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    fps: float = Field(ge=0)
    quality: int = Field(ge=1, le=100)
    jpeg: bytes = Field(repr=False)
    #: a detector's picture with the people in it hidden (the site's privacy on); False on a
    #: picture as taken (masks filled), including the wall's pictures of ``camera --detect``
    people_hidden: bool = False

    def to_wire(self) -> tuple[bytes, dict[str, Any]]:
        headers = {
            TYPE_HEADER: self.type_name,
            "message_id": self.message_id,
            "timestamp": self.timestamp.isoformat(),
            "schema_version": self.schema_version,
            "camera_id": self.camera_id,
            "frame_id": self.frame_id,
            "width": self.width,
            "height": self.height,
            "fps": self.fps,
            "quality": self.quality,
            "people_hidden": self.people_hidden,
            "priority": self.metadata.priority,
            "retry_count": self.metadata.retry_count,
            "source": self.metadata.source,
        }
        return self.jpeg, headers

    @classmethod
    def from_wire(cls, body: bytes, headers: dict[str, Any] | None = None) -> Self:
        h = dict(headers or {})
        cls.check_size(body)
        if not body.startswith(_JPEG_MAGIC):
            raise ContractError("Frame.jpeg: body is not a JPEG image")
        meta = {k: h.pop(k) for k in ("priority", "retry_count", "source") if k in h}
        fields = {k: h[k] for k in cls.model_fields if k in h}
        return cls.validate_dict({**fields, "metadata": Metadata(**meta).model_dump(), "jpeg": body})

    @property
    def captured_at(self) -> datetime:
        return self.timestamp
