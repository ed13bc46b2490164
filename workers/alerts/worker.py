"""The rule engine on the bus: follows detection results, camera status, worker heartbeats and
queue depths; an alert it raises or resolves is stored, published on ``system.events`` (the
console's alerts panel shows it) and queued to the rule's notification targets.

Run one per site: standalone (``camcount-worker alerts``) or inside the analytics worker
(``AnalyticsWorker(alerting=...)``). Two engines would raise every alert twice.

Rules come from the stored configuration (``workers.alerting``; the file seeds it) and change while it
runs: a ``config`` event on ``system.events`` applies a saved version at once. Alerts left open by
an earlier run are taken over at start, so they are resolved when their condition ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from workers.alerting import config as config_file
from workers.alerting.follow import ConfigInForce
from workers.alerting.store import Versioned
from workers.alerts.directory import load_directory, load_sites
from workers.alerts.engine import Change, RuleEngine, Subject
from workers.alerts.rules.site_occupancy import SiteOccupancy as SiteOccupancyKind
from workers.analytics.occupancy import site_inside
from workers.bus import Bus, Delivery, PublishError, Subscription
from workers.contracts import CameraControl, CameraStatus, DetectionResult, SystemEvent, utcnow
from workers.contracts.alerting import (
    AlertingConfig,
    AlertRule,
    CameraOfflineRule,
    CrossingsRule,
    ErrorQueueRule,
    QueueDepthRule,
    SiteOccupancyRule,
    ZoneOccupancyRule,
)
from workers.contracts.notifications import AlertFacts, notification_to
from workers.contracts.sites import SITES_CONFIG, Site
from workers.storage import Database, upgrade
from workers.storage import alerts as alert_store
from workers.storage.models import Alert
from workers.tasks import cancel_and_wait
from workers.topology import FACT_ALARM_FRACTION, Topology

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlertsSettings:
    #: how often conditions are evaluated (an alert is raised at most this late)
    tick_s: float = 0.5
    #: how often queue depths are read for queue rules
    depth_poll_s: float = 5.0
    #: a camera whose status stops for this long counts as offline
    camera_silence_s: float = 10.0
    #: an alert left open by an earlier run waits this long for news of its subject
    adopted_unheard_s: float = 60.0
    #: a camera worker unheard for this long no longer serves its group; a saved camera of a
    #: group no worker serves is offline from then (and this long after start)
    worker_silence_s: float = 15.0


def capacity_rules(topology: Topology) -> list[AlertRule]:
    """Built in: an alarm long before a queue of facts is full and starts refusing them (count
    events waiting for analytics, jobs, notifications, the error queue)."""
    rules: list[AlertRule] = []
    for spec in topology.queues:
        if spec.cap:
            name = spec.name.removeprefix(topology.namespace)
            above = int(spec.cap * FACT_ALARM_FRACTION)
            rules.append(QueueDepthRule(
                id=f"system.capacity.{name}", severity="critical", queues=[name], above=above,
                for_seconds=0, cooldown_seconds=600,
                name=f"{name} past {FACT_ALARM_FRACTION:.0%} of its {spec.cap:,}-message "
                     "capacity: its consumer is behind or stopped; at the cap new messages "
                     "are refused and wait with their producers"))
    return rules


class AlertsWorker:
    role = "alerts"

    def __init__(self, config: AlertingConfig | None = None, *, config_path: Path | None = None,
                 db_url: str | None = None, db: Database | None = None,
                 worker_id: str = "alerts", settings: AlertsSettings | None = None):
        """Rules seeded from ``config``, else from ``config_path`` (default:
        $CAMCOUNT_NOTIFICATIONS, else notifications.json in the user data folder); the stored
        version is in force from ``start``. Alerts and config are stored in ``db`` (shared, e.g.
        the analytics worker's) or a database of its own at ``db_url``."""
        self.settings = settings or AlertsSettings()
        self.engine = RuleEngine([], camera_silence_s=self.settings.camera_silence_s,
                                 adopted_unheard_s=self.settings.adopted_unheard_s,
                                 worker_silence_s=self.settings.worker_silence_s)
        self._own_db = db is None
        self.db = db if db is not None else Database(db_url)
        self.in_force = ConfigInForce(
            config if config is not None else config_file.load(config_path), self.db,
            self._on_config_version)
        self.worker_id = worker_id
        self._bus: Bus | None = None
        self._subs: list[Subscription] = []
        self._tasks: list[asyncio.Task[None]] = []
        #: subscriptions and tasks that only some rules need, by what they follow
        self._inputs: dict[str, Subscription | asyncio.Task[None]] = {}
        #: open alerts: (rule id, subject) -> alert id
        self._open: dict[tuple[str, Any], str] = {}
        self.raised = self.resolved = 0

    async def start(self, bus: Bus) -> None:
        if self._own_db:
            await upgrade(self.db)
        self._bus = bus
        await self.in_force.start(by=self.worker_id)
        self.engine.set_language(self.config.language)
        self.engine.set_timezone(self.config.timezone)
        async with self.db.transaction() as session:
            loaded = await load_directory(session)
        self.engine.directory.saved.update(loaded.saved)
        self.engine.directory.shapes.update(loaded.shapes)
        await self._use_sites(loaded.sites)
        self.engine.set_rules(self._rules(), time.monotonic())
        await self._take_over_open_alerts()
        # config events always; health events feed worker_silent rules
        self._subs.append(await bus.subscribe(bus.topology.system_events, [], self._on_system,
                                              model=SystemEvent))
        # saved cameras and names, as admins change them
        self._subs.append(await bus.subscribe(bus.topology.camera_events,
                                              [bus.topology.control_key("*")], self._on_control,
                                              model=CameraControl))
        await self._follow_inputs()
        self._tasks.append(asyncio.get_running_loop().create_task(self._evaluate_forever()))
        log.info("alert rules (config version %d): %s", self.version,
                 ", ".join(r.id for r in self.engine.rules) or "none")

    async def stop(self) -> None:
        for sub in reversed(self._subs):
            await sub.cancel()
        self._subs.clear()
        for name in list(self._inputs):
            await self._unfollow(name)
        await cancel_and_wait(*self._tasks)
        self._tasks.clear()
        if self._own_db:
            await self.db.dispose()

    def stats(self) -> dict[str, Any]:
        return {"rules": len(self.engine.rules), "config_version": self.version,
                "open_alerts": len(self._open), "raised": self.raised, "resolved": self.resolved}

    # -- configuration --------------------------------------------------------------------------
    @property
    def config(self) -> AlertingConfig:
        return self.in_force.config

    @property
    def version(self) -> int:
        return self.in_force.version

    def _rules(self) -> list[AlertRule]:
        """The stored rules, and the built-in ones nobody can remove."""
        assert self._bus is not None
        return [*self.config.rules, *capacity_rules(self._bus.topology)]

    async def _follow_inputs(self) -> None:
        """Follow exactly the streams the rules in force need."""
        assert self._bus is not None
        bus, t, e = self._bus, self._bus.topology, self.engine
        wanted = {
            "results": e.needs(ZoneOccupancyRule) or e.needs(SiteOccupancyRule)
            or e.needs(CrossingsRule),
            "status": e.needs(CameraOfflineRule),
            "depths": e.needs(QueueDepthRule) or e.needs(ErrorQueueRule),
        }
        for name, needed in wanted.items():
            if not needed:
                await self._unfollow(name)
            elif name not in self._inputs:
                if name == "results":
                    self._inputs[name] = await bus.subscribe(
                        t.camera_events, ["camera.detection.*"], self._on_result,
                        model=DetectionResult, max_length=1000)
                elif name == "status":
                    self._inputs[name] = await bus.subscribe(
                        t.camera_events, ["camera.status.*"], self._on_status, model=CameraStatus)
                else:
                    self._inputs[name] = asyncio.get_running_loop().create_task(
                        self._poll_depths_forever())

    async def _unfollow(self, name: str) -> None:
        follower = self._inputs.pop(name, None)
        if isinstance(follower, asyncio.Task):
            await cancel_and_wait(follower)
        elif follower is not None:
            await follower.cancel()

    async def _on_config_version(self, stored: Versioned, _: AlertingConfig) -> None:
        self.engine.set_language(self.config.language)
        self.engine.set_timezone(self.config.timezone)
        for change in self.engine.set_rules(self._rules(), time.monotonic()):
            await self._emit_logged(change)
        await self._follow_inputs()
        log.info("alert rules now (config version %d, saved by %s): %s", self.version,
                 stored.saved_by or "?", ", ".join(r.id for r in self.engine.rules) or "none")

    async def _take_over_open_alerts(self) -> None:
        """Alerts an earlier run left open: followed again, or resolved if their rule is gone;
        and those it raised and saw resolved within a cooldown: not raised again before it ends."""
        mono, now = time.monotonic(), utcnow()
        cooling = max((r.cooldown_seconds for r in self.engine.rules), default=0)
        async with self.db.transaction() as session:
            open_alerts = await alert_store.open_rule_alerts(session)
            resolved = await alert_store.rule_alerts_resolved_since(
                session, now - timedelta(seconds=cooling)) if cooling else []
        for alert in resolved:  # their cooldowns go on
            assert alert.rule_id is not None
            self.engine.remember(alert.rule_id,
                                 Subject(alert.camera_id, alert.zone_id, alert.data.get("subject")),
                                 max(0.0, (now - alert.raised_at).total_seconds()), mono)
        for alert in open_alerts:
            assert alert.rule_id is not None
            subject = Subject(alert.camera_id, alert.zone_id, alert.data.get("subject"))
            ago = max(0.0, (now - alert.raised_at).total_seconds())
            if self.engine.adopt(alert.rule_id, subject, str(alert.data.get("message", "")), ago,
                                 mono):
                self._open[(alert.rule_id, subject)] = alert.alert_id
            else:
                await self._close_orphan(alert)
        if self._open:
            log.info("following %d alert(s) left open by an earlier run", len(self._open))

    async def _close_orphan(self, alert: Alert) -> None:
        """Resolve an open alert whose rule no longer exists (nothing would ever resolve it)."""
        assert self._bus is not None
        message = f"Closed, its rule was removed or disabled: {alert.data.get('message', '')}"
        event = SystemEvent(event_type="alert", source=self.worker_id, severity="info",
                            camera_id=alert.camera_id, zone_id=alert.zone_id,
                            data={"action": "resolve", "alert_id": alert.alert_id,
                                  "rule_id": alert.rule_id, "message": message})
        event.metadata.source = self.worker_id
        async with self.db.transaction() as session:
            await alert_store.resolve(session, alert.alert_id, event.timestamp)
        with contextlib.suppress(PublishError):
            await self._bus.publish(self._bus.topology.system_events, "", event, mandatory=False)

    # -- observations ---------------------------------------------------------------------------
    async def _on_result(self, result: DetectionResult, _: Delivery) -> None:
        self.engine.on_result(result, time.monotonic())

    async def _on_status(self, status: CameraStatus, _: Delivery) -> None:
        self.engine.on_status(status, time.monotonic())

    async def _on_control(self, control: CameraControl, _: Delivery) -> None:
        self.engine.directory.on_control(control)

    async def _on_system(self, event: SystemEvent, _: Delivery) -> None:
        if event.event_type == "health":
            self.engine.on_health(event, time.monotonic())
        elif event.event_type == "config" and event.data.get("config") == SITES_CONFIG:
            async with self.db.transaction() as session:
                await self._use_sites(await load_sites(session))
        elif event.event_type == "config":
            await self.in_force.on_event(event)

    async def _use_sites(self, sites: dict[str, Site]) -> None:
        """The sites from now on; each new or changed one starts from what its stored count
        events say (none when this engine has a database of its own)."""
        known = self.engine.directory.sites
        tz, now = ZoneInfo(self.config.timezone), utcnow()
        started = [(site, await site_inside(self.db, site, tz, now))
                   for site in sites.values() if known.get(site.id) != site]
        # all at once, after the reads: results observed meanwhile judged the old sites
        kind = self.engine.kind("site_occupancy")
        assert isinstance(kind, SiteOccupancyKind)
        for site, inside in started:
            kind.seed(site, inside)
        self.engine.directory.sites = sites

    async def _poll_depths_forever(self) -> None:
        assert self._bus is not None
        t = self._bus.topology
        while True:
            # read each time: the rules may have changed
            wanted = {t.name(q) for r in self.engine.rules if isinstance(r, QueueDepthRule)
                      for q in r.queues}
            if self.engine.needs(ErrorQueueRule):
                wanted.add(t.error_queue)
            try:
                depths = await self._bus.queue_depths(sorted(wanted))
                self.engine.on_depths({name.removeprefix(t.namespace): d.ready
                                       for name, d in depths.items()}, time.monotonic())
            except Exception as exc:  # the broker may be away: rules wait for the next poll
                log.warning("queue depths unavailable: %s", exc)
            await asyncio.sleep(self.settings.depth_poll_s)

    async def _evaluate_forever(self) -> None:
        while True:
            for change in self.engine.evaluate(time.monotonic()):
                await self._emit_logged(change)
            await asyncio.sleep(self.settings.tick_s)

    async def _emit_logged(self, change: Change) -> None:
        try:
            await self._emit(change)
        except Exception:
            log.exception("alert %s of rule %s not fully delivered", change.action,
                          change.rule.id)

    # -- raising and resolving ------------------------------------------------------------------
    async def _emit(self, change: Change) -> None:
        assert self._bus is not None
        rule, subject = change.rule, change.subject
        key = (rule.id, subject)
        now = utcnow()
        data: dict[str, Any] = {
            "action": change.action, "rule_id": rule.id, "rule_kind": rule.kind,
            "rule_name": rule.name or rule.id, "message": change.message, "value": change.value,
            "held_seconds": round(change.held_s, 1), "subject": subject.name,
            **self._names(subject)}
        if change.action == "raise":
            event = SystemEvent(event_type="alert", source=self.worker_id, severity=rule.severity,
                                camera_id=subject.camera_id, zone_id=subject.zone_id,
                                data={**data, "targets": rule.targets})
            self._open[key] = event.message_id
            async with self.db.transaction() as session:
                await alert_store.record_alert(session, {
                    "alert_id": event.message_id, "source": self.worker_id,
                    "severity": rule.severity, "camera_id": subject.camera_id,
                    "zone_id": subject.zone_id, "data": event.data, "raised_at": event.timestamp,
                    "rule_id": rule.id, "trace_id": None})
            alert_id = event.message_id
            self.raised += 1
        else:
            alert_id = self._open.pop(key, None)
            event = SystemEvent(event_type="alert", source=self.worker_id, severity="info",
                                camera_id=subject.camera_id, zone_id=subject.zone_id,
                                data={**data, "alert_id": alert_id})
            if alert_id is not None:
                async with self.db.transaction() as session:
                    await alert_store.resolve(session, alert_id, event.timestamp)
            self.resolved += 1
        event.metadata.source = self.worker_id
        log.warning("%s: %s", "alert" if change.action == "raise" else "resolved", change.message)
        try:
            # not mandatory: it is stored already; nobody may be following system events
            await self._bus.publish(self._bus.topology.system_events, "", event, mandatory=False)
        except PublishError as exc:
            log.warning("alert event not published: %s", exc)
        if change.action == "resolve" and not rule.notify_resolved:
            return
        await self._notify(change, alert_id or event.message_id, now)

    def _names(self, subject: Subject) -> dict[str, str | None]:
        """What people call the camera and zone of an alert (their ids where unnamed)."""
        d, cam, zone = self.engine.directory, subject.camera_id, subject.zone_id
        return {"camera_name": None if cam is None else d.camera(cam),
                "zone_name": None if cam is None or zone is None else d.shape(cam, zone)}

    async def _notify(self, change: Change, alert_id: str, now: datetime) -> None:
        """Queue one notification per target of the rule (durable, confirmed): the target's id
        and the alert's facts; the notifier builds what is sent from the target's settings."""
        assert self._bus is not None
        t = self._bus.topology
        rule, subject = change.rule, change.subject
        facts = AlertFacts(
            action=change.action, alert_id=alert_id, rule_id=rule.id,
            rule_name=rule.name or rule.id, rule_kind=rule.kind, severity=rule.severity,
            camera_id=subject.camera_id, zone_id=subject.zone_id, subject=subject.name,
            message=change.message[:1000], value=change.value,
            held_seconds=round(change.held_s, 1), at=now, **self._names(subject))
        for target_id in rule.targets:
            target = self.config.target(target_id)
            if target is None:
                continue
            queue = t.email_queue if target.channel == "email" else t.webhook_queue
            await self._bus.publish("", queue, notification_to(target.channel, target.id, facts))
