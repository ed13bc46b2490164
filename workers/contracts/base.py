"""The envelope every message shares, and turning validation failures into readable reasons.

A message travels as UTF-8 JSON in the body (frames are the exception: JPEG body, fields in
headers). ``schema_version`` is checked on receipt so that a newer producer talking to an older
consumer fails loudly instead of being half-understood.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

SCHEMA_VERSION = 1
SUPPORTED_SCHEMA_VERSIONS = frozenset({1})

#: AMQP header naming the contract of a JSON body, so a reader of the error queue can tell.
TYPE_HEADER = "x-camcount-type"

#: the largest JSON body any family accepts (a result with a thousand boxes is under 200 KB)
MAX_JSON_BYTES = 1 << 20


class ContractError(ValueError):
    """A message that cannot be accepted; ``reason`` names the fields at fault."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class Metadata(BaseModel):
    model_config = ConfigDict(extra="forbid")

    priority: int = Field(default=5, ge=0, le=10)
    retry_count: int = Field(default=0, ge=0)
    source: str = "unknown"


class Contract(BaseModel):
    """Base of every message: identity, time, schema version and metadata."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    #: Value of the ``x-camcount-type`` header; set by each concrete contract.
    type_name: ClassVar[str] = ""
    #: Bodies larger than this are refused unread, by consumers and publishers alike: one
    #: oversized message must not cost every consumer its size in memory.
    max_bytes: ClassVar[int] = MAX_JSON_BYTES

    message_id: str = Field(default_factory=new_id, min_length=1)
    timestamp: AwareDatetime = Field(default_factory=utcnow)
    schema_version: int = SCHEMA_VERSION
    metadata: Metadata = Field(default_factory=Metadata)

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, v: int) -> int:
        if v not in SUPPORTED_SCHEMA_VERSIONS:
            supported = ", ".join(str(s) for s in sorted(SUPPORTED_SCHEMA_VERSIONS))
            raise ValueError(f"unsupported schema_version {v} (this build reads {supported})")
        return v

    @field_validator("timestamp")
    @classmethod
    def _to_utc(cls, v: datetime) -> datetime:
        return v.astimezone(UTC)

    # -- wire format -------------------------------------------------------------------------
    def to_wire(self) -> tuple[bytes, dict[str, Any]]:
        """Body and AMQP headers for this message."""
        return self.model_dump_json(by_alias=True).encode(), {TYPE_HEADER: self.type_name}

    @classmethod
    def check_size(cls, body: bytes) -> None:
        if len(body) > cls.max_bytes:
            raise ContractError(f"{cls.__name__}: body of {len(body):,} bytes is over the "
                                f"{cls.max_bytes:,}-byte limit for this kind of message")

    @classmethod
    def from_wire(cls, body: bytes, headers: dict[str, Any] | None = None) -> Self:
        """Parse and validate a received message; raises ContractError naming the fields."""
        cls.check_size(body)
        try:
            return cls.model_validate_json(body)  # parsed and checked in one pass, in Rust
        except ValidationError as exc:
            if not any(e["type"] in ("json_invalid", "model_type") for e in exc.errors()):
                raise ContractError(describe(exc, cls.__name__)) from exc
        # Not a JSON object at all: say so in words
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ContractError(f"body is not UTF-8 JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ContractError(f"body must be a JSON object, got {type(data).__name__}")
        return cls.validate_dict(data)

    @classmethod
    def validate_dict(cls, data: dict[str, Any]) -> Self:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ContractError(describe(exc, cls.__name__)) from exc


def describe(exc: ValidationError, what: str) -> str:
    """One line per failing field, e.g. ``DetectionResult.camera_id: Field required``."""
    parts = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "(message)"
        msg = err["msg"].removeprefix("Value error, ")
        got = err.get("input")
        suffix = "" if err["type"] == "missing" or isinstance(got, dict) else f" (got {got!r:.60})"
        parts.append(f"{what}.{loc}: {msg}{suffix}")
    return "; ".join(parts)
