"""Recording what the system says about cameras and alerts: camera configs from
``camera.control.*`` (zone sets are the zone store's), alerts from ``system.events``. Every write
is idempotent, so a redelivered message changes nothing."""

from __future__ import annotations

import logging
from datetime import datetime

from workers.bus import Delivery
from workers.bus.config import redact
from workers.contracts import CameraControl, SystemEvent
from workers.storage import Database
from workers.storage.alerts import acknowledge, record_alert, resolve
from workers.storage.cameras import update_camera
from workers.storage.models import Camera

log = logging.getLogger(__name__)


class Recorder:
    def __init__(self, db: Database):
        self.db = db

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
                camera = await session.get(Camera, cam)
                if camera is not None and camera.config:
                    await update_camera(session, cam, at,
                                        {"config": {**camera.config, "analysis_fps": msg.fps}})
            elif msg.action in ("start", "stop"):
                await update_camera(session, cam, at, {"enabled": msg.action == "start"})

    async def on_system(self, event: SystemEvent, d: Delivery) -> None:
        """Alerts are stored when raised; an acknowledgement (from a console) or a resolution
        (from the rule engine) updates the alert it names."""
        if event.event_type != "alert":
            return
        action = event.data.get("action")
        async with self.db.transaction() as session:
            if action in ("acknowledge", "resolve"):
                alert_id = str(event.data.get("alert_id") or "")
                at = _time(event.data.get("at")) or event.timestamp
                if action == "resolve":
                    await resolve(session, alert_id, at)
                elif await acknowledge(session, alert_id, str(event.data.get("by") or "?"),
                                       at) is None:
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
