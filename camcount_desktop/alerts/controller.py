"""Alerts as they arrive on ``system.events``, their lifecycle, and acknowledging them.

An alert is active from its "raise" until a "resolve" event names it (``data.alert_id``): the
resolve updates the alert's row, it is not an alert of its own. Acknowledging publishes an
``AlertAcknowledgement`` on ``alert.acknowledgements`` (the one thing an operator account may
write); the analytics worker stores it, by the broker account that sent it, and announces it on
``system.events`` as an alert event (``data.action = "acknowledge"``, who and when), so every
console learns of it. That announcement is the record: it replaces what this console showed
when it sent the acknowledgement. An acknowledgement may carry the operator's note, stored and
announced with it.

The list is in priority order: critical first, then warnings, then the rest, newest first within
each. A critical alert arriving live (not one loaded from storage) is announced by
``critical_raised``, for the alarm sound.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtCore import QObject, Signal
from qasync import asyncSlot

from workers.contracts import AlertAcknowledgement, SystemEvent
from workers.contracts.queries import AlertInfo

log = logging.getLogger(__name__)

KEEP = 1000
ACK, RESOLVE = "acknowledge", "resolve"
#: the order of the list: lower first
SEVERITY_RANK = {"critical": 0, "warning": 1}


@dataclass
class Alert:
    alert_id: str
    at: datetime
    severity: str
    camera_id: str | None
    text: str
    source: str
    acked_by: str | None = None
    acked_at: datetime | None = None
    resolved_at: datetime | None = None
    #: what the resolve said ("Resolved after 42 s: …")
    resolution: str = ""
    zone_id: str | None = None
    #: what the operator wrote when acknowledging
    ack_note: str = ""

    @property
    def acknowledged(self) -> bool:
        return self.acked_by is not None

    @property
    def active(self) -> bool:
        return self.resolved_at is None


def alert_text(event: SystemEvent) -> str:
    d = event.data
    if d.get("action") != "resolve" and d.get("rule_name") and d.get("message") \
            and d["rule_name"] != d.get("rule_id"):
        return f"{d['rule_name']} — {d['message']}"  # the admin's words first, then the facts
    for key in ("message", "title", "text", "rule"):
        if d.get(key):
            return str(d[key])
    return ", ".join(f"{k}={v}" for k, v in d.items()) or event.event_type


class AlertsController(QObject):
    changed = Signal()
    camera_requested = Signal(str)
    error = Signal(str)
    #: a critical alert arrived (its id): what the alarm sound follows
    critical_raised = Signal(str)

    def __init__(self, publish: Callable[[AlertAcknowledgement], Awaitable[None]], *,
                 source: str, user: str, parent: QObject | None = None):
        """``user``: the account the bus sends as (the broker user; the local user in local
        mode), shown at once for an acknowledgement this console sent."""
        super().__init__(parent)
        self._publish = publish
        self.source = source
        self.user = user
        #: acknowledged here, not yet announced by the analytics worker
        self._unconfirmed: set[str] = set()
        self.alerts: OrderedDict[str, Alert] = OrderedDict()  # oldest first
        self._early_acks: dict[str, tuple[str, datetime, str]] = {}
        self._restoring = False
        self._early_resolves: OrderedDict[str, tuple[datetime, str]] = OrderedDict()

    @property
    def unacknowledged(self) -> int:
        return sum(not a.acknowledged for a in self.alerts.values())

    @property
    def active(self) -> int:
        return sum(a.active for a in self.alerts.values())

    def newest_first(self) -> list[Alert]:
        return list(reversed(self.alerts.values()))

    def by_priority(self) -> list[Alert]:
        """Critical first, then warnings, then the rest; newest first within each."""
        return sorted(self.newest_first(), key=lambda a: SEVERITY_RANK.get(a.severity, 2))

    def on_alert(self, event: SystemEvent) -> None:
        if event.data.get("action") == ACK:
            self._apply_ack(str(event.data.get("alert_id", "")), str(event.data.get("by", "?")),
                            _parse_time(event.data.get("at")) or event.timestamp,
                            str(event.data.get("note") or ""))
            return
        if event.data.get("action") == RESOLVE:
            self._apply_resolve(str(event.data.get("alert_id") or ""), event.timestamp,
                                alert_text(event))
            return
        if event.message_id in self.alerts:
            return  # redelivered
        alert = Alert(event.message_id, event.timestamp, event.severity, event.camera_id,
                      alert_text(event), event.source, zone_id=event.zone_id)
        if (early := self._early_acks.pop(alert.alert_id, None)) is not None:
            alert.acked_by, alert.acked_at, alert.ack_note = early
        if (resolved := self._early_resolves.pop(alert.alert_id, None)) is not None:
            alert.resolved_at, alert.resolution = resolved
        self.alerts[alert.alert_id] = alert
        while len(self.alerts) > KEEP:
            self.alerts.popitem(last=False)
        self.changed.emit()
        if alert.severity == "critical" and alert.active and not self._restoring:
            self.critical_raised.emit(alert.alert_id)

    def restore(self, stored: Iterable[AlertInfo]) -> None:
        """Alerts as the analytics worker stored them, with their acknowledgements and
        resolutions: what a console that starts later shows (oldest first)."""
        for info in sorted(stored, key=lambda a: a.raised_at):
            event = SystemEvent(message_id=info.alert_id, timestamp=info.raised_at,
                                event_type="alert", source=info.source,
                                severity=info.severity,  # type: ignore[arg-type]
                                camera_id=info.camera_id, zone_id=info.zone_id, data=info.data)
            self._restoring = True  # old news: no alarm sound
            try:
                self.on_alert(event)
            finally:
                self._restoring = False
            alert = self.alerts.get(info.alert_id)
            if alert is None:
                continue
            if info.acknowledged_by and not alert.acknowledged:
                alert.acked_by, alert.acked_at = info.acknowledged_by, info.acknowledged_at
                alert.ack_note = info.acknowledge_note or ""
            if info.resolved_at and alert.active:
                alert.resolved_at = info.resolved_at
        self.changed.emit()

    def _apply_resolve(self, alert_id: str, at: datetime, text: str) -> None:
        alert = self.alerts.get(alert_id)
        if alert is None:
            # raised before this console started (nothing to update), or overtaken by its
            # resolve: kept a while in case the raise follows
            self._early_resolves[alert_id] = (at, text)
            while len(self._early_resolves) > KEEP:
                self._early_resolves.popitem(last=False)
            return
        if alert.active:
            alert.resolved_at, alert.resolution = at, text
            self.changed.emit()

    def _apply_ack(self, alert_id: str, by: str, at: datetime, note: str = "") -> None:
        alert = self.alerts.get(alert_id)
        if alert is None:  # the ack overtook its alert (another console, a replay)
            self._early_acks[alert_id] = (by, at, note)
            return
        if not alert.acknowledged or alert_id in self._unconfirmed:
            self._unconfirmed.discard(alert_id)
            alert.acked_by, alert.acked_at, alert.ack_note = by, at, note
            self.changed.emit()

    async def acknowledge(self, alert_ids: Iterable[str], note: str = "") -> int:
        """Acknowledge (as the bus's account), with the operator's note; returns how many were
        newly acknowledged."""
        done = 0
        for alert_id in alert_ids:
            alert = self.alerts.get(alert_id)
            if alert is None or alert.acknowledged:
                continue
            at = datetime.now(UTC)
            ack = AlertAcknowledgement(alert_id=alert_id, note=note.strip()[:500])
            ack.metadata.source = self.source
            try:
                await self._publish(ack)
            except Exception as exc:
                log.warning("acknowledging alert %s failed: %s", alert_id, exc)
                self.error.emit(self.tr("could not acknowledge: {why}").format(why=exc))
                break
            alert.acked_by, alert.acked_at, alert.ack_note = self.user, at, ack.note
            self._unconfirmed.add(alert_id)
            done += 1
        self.changed.emit()
        return done

    @asyncSlot(list)
    async def acknowledge_slot(self, alert_ids: list[str]) -> None:
        await self.acknowledge(alert_ids)

    @asyncSlot(str, str)
    async def acknowledge_with_note(self, alert_id: str, note: str) -> None:
        await self.acknowledge([alert_id], note)

    def request_camera(self, alert_id: str) -> None:
        alert = self.alerts.get(alert_id)
        if alert is not None and alert.camera_id:
            self.camera_requested.emit(alert.camera_id)


def _parse_time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
