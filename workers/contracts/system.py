"""Fanout events every process may want: maintenance, alerts, worker health, config changes."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from workers.contracts.base import Contract


class SystemEvent(Contract):
    type_name: ClassVar[str] = "system_event"

    event_type: Literal["maintenance", "alert", "health", "config"]
    source: str = Field(min_length=1)
    severity: Literal["info", "warning", "critical"] = "info"
    camera_id: str | None = None
    zone_id: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
