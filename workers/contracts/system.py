"""Fanout events every process may want: maintenance, alerts, worker health, config changes;
and an operator's acknowledgement of an alert.

Only the services write ``system.events`` (the broker refuses an operator account): an alert or a
config event there comes from the worker that owns it. A console acknowledges an alert on its own
exchange (``alert.acknowledgements``); the analytics worker stores it, with the acknowledger taken
from the broker-validated ``user_id``, and announces it here."""

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


class AlertAcknowledgement(Contract):
    """"I have seen this alert", from a console. Who acknowledged is the broker account that
    sent it (``Delivery.user_id``), not anything in the body."""

    type_name: ClassVar[str] = "alert_acknowledgement"

    alert_id: str = Field(min_length=1, max_length=64)
    #: what the operator wrote when acknowledging ("false alarm: cleaner", "guard sent")
    note: str = Field(default="", max_length=500)
