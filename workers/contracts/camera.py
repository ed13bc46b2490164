"""Camera health, errors and control."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workers.contracts.base import Contract
from workers.contracts.phrases import Phrase, refuse
from workers.contracts.zones import ZoneSet

CameraState = Literal["online", "reconnecting", "offline"]
#: a camera's YOLO input size: the network's stride divides it
IMGSZ_STEP, IMGSZ_MIN, IMGSZ_MAX = 32, 160, 1920


class CameraStatus(Contract):
    type_name: ClassVar[str] = "camera_status"

    camera_id: str = Field(min_length=1)
    state: CameraState
    fps: float = Field(default=0.0, ge=0)
    last_frame_at: datetime | None = None
    #: why the camera is not online, in words an operator can act on (English: logs, old consoles)
    detail: str = ""
    #: the same as a code and values, which a console says in its own language
    detail_phrase: Phrase | None = None
    worker_id: str = ""


class CameraError(Contract):
    type_name: ClassVar[str] = "camera_error"

    camera_id: str = Field(min_length=1)
    code: Literal["open_failed", "read_failed", "stalled", "decode_failed", "config"]
    error: str
    #: source address with any password removed
    source: str = ""


class CameraConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    camera_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
    name: str = ""
    #: file path, rtsp://, http(s):// (MJPEG) or a webcam index such as "0"
    source: str = Field(min_length=1)
    enabled: bool = True
    loop: bool = False
    analysis_fps: float = Field(default=5.0, gt=0, le=60)
    jpeg_quality: int = Field(default=80, ge=10, le=100)
    classes: list[str] = Field(default_factory=lambda: ["person"])
    model: str | None = None
    #: YOLO input size for this camera's frames (None: the detector worker's ``--imgsz``).
    #: Smaller is faster but misses small, distant people; the HOG detector has none.
    imgsz: int | None = None
    group: str = ""

    @field_validator("imgsz")
    @classmethod
    def _imgsz_in_steps(cls, v: int | None) -> int | None:
        if v is not None and (v % IMGSZ_STEP or not IMGSZ_MIN <= v <= IMGSZ_MAX):
            raise refuse("imgsz_steps", step=IMGSZ_STEP, low=IMGSZ_MIN, high=IMGSZ_MAX, value=v)
        return v


class CameraControl(Contract):
    """A control message on ``camera.control.{id}``.

    Zones take two steps: ``set_zones`` asks the analytics worker, which owns zone storage, to
    store a version; ``zones_stored`` is its announcement of a version it stored, the only zones
    detectors and consoles apply. A version number so never names two different shape sets.
    """

    type_name: ClassVar[str] = "camera_control"

    camera_id: str = Field(min_length=1)
    action: Literal["start", "stop", "set_zones", "zones_stored", "set_fps", "configure",
                    "remove"]
    zones: ZoneSet | None = None
    fps: float | None = Field(default=None, gt=0, le=60)
    config: CameraConfig | None = None
    requested_by: str = ""

    @model_validator(mode="after")
    def _payload_for_action(self) -> CameraControl:
        needs = {"set_zones": "zones", "zones_stored": "zones", "set_fps": "fps",
                 "configure": "config"}.get(self.action)
        if needs and getattr(self, needs) is None:
            raise ValueError(f"action {self.action!r} needs the field {needs!r}")
        if self.zones is not None and self.zones.camera_id != self.camera_id:
            raise ValueError(f"zones are for camera {self.zones.camera_id!r}, not {self.camera_id!r}")
        return self
