"""Recording what the system says about cameras and alerts: camera configs from
``camera.control.*`` (zone sets are the zone store's), camera state changes from
``camera.state.changes``, alerts from ``system.events``, operators' acknowledgements from
``alert.acknowledgements``. Every write is idempotent, so a redelivered message changes nothing."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from workers.analytics.ingest import UNREACHABLE, batch_transaction
from workers.bus import Delivery, PermanentError
from workers.bus.config import redact
from workers.contracts import AlertAcknowledgement, CameraControl, CameraStatus, SystemEvent, utcnow
from workers.storage import Database
from workers.storage.alerts import acknowledge, record_alert, resolve
from workers.storage.cameras import record_states, update_camera
from workers.storage.models import CameraRecord

log = logging.getLogger(__name__)

#: tries at storing an alert event while the database is busy (0.2, 0.4, 0.8, 1.6 s apart)
BUSY_ATTEMPTS = 5


class UnknownAlert(LookupError):
    """An acknowledgement of an alert not stored (yet: it may overtake the alert; retried)."""


class Recorder:
    def __init__(self, db: Database):
        self.db = db

    async def on_acknowledgement(self, ack: AlertAcknowledgement, d: Delivery) -> SystemEvent:
        """Store an operator's acknowledgement, by the broker account that sent it (the first
        one is kept); the event announcing the alert's acknowledgement (who and when)."""
        if not d.user_id:
            raise PermanentError("an acknowledgement must say which broker account sent it "
                                 "(the user_id property); nothing was stored")
        async with self.db.transaction() as session:
            alert = await acknowledge(session, ack.alert_id, d.user_id, utcnow(), ack.note)
            if alert is None:
                raise UnknownAlert(f"no alert {ack.alert_id!r} is stored")
            assert alert.acknowledged_at is not None
            return SystemEvent(
                event_type="alert", source="analytics", severity=alert.severity,
                camera_id=alert.camera_id, zone_id=alert.zone_id,
                data={"action": "acknowledge", "alert_id": alert.alert_id,
                      "by": alert.acknowledged_by, "at": alert.acknowledged_at.isoformat(),
                      "note": alert.acknowledge_note or ""})

    async def on_states(self, batch: list[tuple[CameraStatus, Delivery]]) -> None:
        """Camera state changes (a batch handler): the outage history, each change once."""
        rows = [{"message_id": s.message_id, "camera_id": s.camera_id, "state": s.state,
                 "detail": s.detail[:500], "worker_id": s.worker_id, "at": s.timestamp}
                for s, _ in batch]
        async with batch_transaction(self.db) as session:
            await record_states(session, rows, utcnow())

    async def on_control(self, msg: CameraControl, _: Delivery) -> None:
        cam, at = msg.camera_id, msg.timestamp
        async with self.db.transaction() as session:
            if msg.action == "configure" and msg.config is not None:
                # Passwords in camera addresses stay with the camera workers' configuration.
                config = msg.config.model_copy(update={"source": redact(msg.config.source)})
                await update_camera(session, cam, at, {
                    "name": config.name, "config": config.model_dump(mode="json"),
                    "enabled": config.enabled, "removed_at": None})
            elif msg.action == "remove":
                await update_camera(session, cam, at, {"removed_at": at})
            elif msg.action == "set_fps" and msg.fps is not None:
                camera = await session.get(CameraRecord, cam)
                if camera is not None and camera.config:
                    await update_camera(session, cam, at,
                                        {"config": {**camera.config, "analysis_fps": msg.fps}})
            elif msg.action in ("start", "stop"):
                await update_camera(session, cam, at, {"enabled": msg.action == "start"})

    async def on_system(self, event: SystemEvent, d: Delivery) -> None:
        """Alerts are stored when raised; a resolution (from the rule engine) or an
        acknowledgement (announced by an analytics worker, maybe with a store of its own)
        updates the alert it names. Only the services may write ``system.events``.

        They come through a private subscription, which cannot retry: a database busy for a
        moment (SQLite answers "database is locked" to a writer it cannot queue) is waited out
        here, a few times, rather than the alert dropped."""
        if event.event_type != "alert":
            return
        for attempt in range(BUSY_ATTEMPTS):
            try:
                await self._record_alert_event(event, d)
                return
            except UNREACHABLE:
                if attempt == BUSY_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.2 * 2 ** attempt)

    async def _record_alert_event(self, event: SystemEvent, d: Delivery) -> None:
        action = event.data.get("action")
        async with self.db.transaction() as session:
            if action in ("acknowledge", "resolve"):
                alert_id = str(event.data.get("alert_id") or "")
                at = _time(event.data.get("at")) or event.timestamp
                if action == "resolve":
                    await resolve(session, alert_id, at)
                elif await acknowledge(session, alert_id, str(event.data.get("by") or "?"),
                                       at, str(event.data.get("note") or "")[:500]) is None:
                    log.info("acknowledgement of unknown alert %s ignored", alert_id)
                return
            await record_alert(session, {
                "alert_id": event.message_id, "source": event.source, "severity": event.severity,
                "camera_id": event.camera_id, "zone_id": event.zone_id, "data": event.data,
                "raised_at": event.timestamp, "trace_id": d.trace_id,
                "rule_id": event.data.get("rule_id")})


def _time(value: object) -> datetime | None:
    try:
        at = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return at if at is None or at.tzinfo is not None else None
