"""The notifier worker.

A notification names a configured target and carries facts (an alert, a report id, a test);
what is sent, and where, is built here from the target's stored settings and the notifier's own
templates (``compose``), never taken from the message.

The parts: queued sends with their retries and delays (``queued``), direct sends over
``rpc.notifier`` (``direct``), one attempt of either (``sender``), circuit breakers and rate
limits (``gate``, ``breaker_alerts``), secrets per config version (``secrets``) and the
notification log (``notification_log``). Every attempt is written to the log; a message already
sent is not sent again.

A notifier that cannot serve a target (its secret, or the SMTP password, is not set on this
machine) leaves that target's notifications for another notifier: it puts them back without
counting an attempt and says so in its heartbeat (``cannot_serve``).

Rules, targets and site settings are stored config (``workers.alerting``): a notifier answers
the console's requests to read and edit them (``workers.alerting.requests``), stores the next
version and announces it on ``system.events``; every notifier and rule engine applies it without a
restart.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import BaseModel

from workers.alerting import config as config_file
from workers.alerting.follow import ConfigInForce
from workers.alerting.requests import ConfigRequests
from workers.alerting.store import Versioned
from workers.bus import Bus, Delivery, RetryPolicy, Subscription
from workers.contracts import EmailNotification, SystemEvent, WebhookNotification
from workers.contracts.alerting import AlertingConfig
from workers.contracts.notifications import (
    NotifierRequest,
    NotifierStatus,
    SendNow,
    SendTest,
    TargetsStatus,
)
from workers.notifier.breaker_alerts import BreakerAlerts
from workers.notifier.direct import DirectSends
from workers.notifier.gate import Gate
from workers.notifier.notification_log import NotificationLog
from workers.notifier.queued import QueuedSends
from workers.notifier.secrets import TargetSecrets
from workers.notifier.sender import Sender
from workers.storage import Database, redact, upgrade

log = logging.getLogger(__name__)

#: the most attempts any message may ask for (WebhookRetryPolicy allows 10)
MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class NotifierSettings:
    #: attempts of an email (a webhook's come with the message, from its target)
    email_attempts: int = 3
    #: fraction taken off each retry delay at random
    jitter: float = 0.25
    #: rate-limit and breaker waits up to this are slept through; longer ones go back to the
    #: queue through a delay queue
    inline_wait_s: float = 1.0
    #: a direct send waits at most this for its rate limit, then answers "try later"
    direct_wait_s: float = 3.0
    email_concurrency: int = 4
    webhook_concurrency: int = 8
    max_attachment_bytes: int = 25_000_000
    #: a notification for a target this notifier cannot serve goes back to the shared queue for
    #: this long, for a notifier that can (not an attempt)
    hand_back_s: float = 2.0


class NotifierWorker:
    role = "notifier"

    def __init__(self, config: AlertingConfig | None = None, *, config_path: Path | None = None,
                 db_url: str | None = None, worker_id: str = "notifier",
                 settings: NotifierSettings | None = None):
        """``config``: rules and targets as given, else read from ``config_path`` (default:
        $CAMCOUNT_NOTIFICATIONS, else notifications.json in the user data folder). It seeds the
        stored config, which is in force from ``start``."""
        self.db = Database(db_url)
        self.in_force = ConfigInForce(
            config if config is not None else config_file.load(config_path), self.db,
            self._apply)
        self.worker_id = worker_id
        self.settings = settings or NotifierSettings()
        self.secrets = TargetSecrets(worker_id)
        self.gate = Gate(lambda: self.in_force.config)
        self._requests: ConfigRequests | None = None
        self._queued: QueuedSends | None = None
        self._direct: DirectSends | None = None
        self._subs: list[Subscription] = []
        self._http: aiohttp.ClientSession | None = None
        self.sent = self.failed = 0

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self, bus: Bus) -> None:
        revision = await upgrade(self.db)
        log.info("notification log in %s at schema %s", redact(str(self.db.url)), revision)
        await self._apply(await self.in_force.start(by=self.worker_id), self.in_force.seed)
        self._requests = ConfigRequests(self.in_force, bus, source=self.worker_id,
                                        secret_problems=self.secrets.problems)
        self._http = aiohttp.ClientSession()
        s = self.settings
        sender = Sender(self.in_force, self.secrets, self.gate,
                        BreakerAlerts(bus, self.worker_id),
                        NotificationLog(self.db, lambda: self.in_force.config), self.db,
                        self._http, s.max_attachment_bytes, self._count)
        self._queued = QueuedSends(sender, bus, s.email_attempts, s.inline_wait_s, s.hand_back_s)
        self._direct = DirectSends(sender, s.direct_wait_s)
        t = bus.topology
        # Per-message attempt limits are applied here; the bus may retry up to the largest.
        retry = RetryPolicy(max_retries=MAX_ATTEMPTS - 1, jitter=s.jitter)
        self._subs += [
            await bus.consume(t.email_queue, self._queued, model=EmailNotification, retry=retry,
                              concurrency=s.email_concurrency, prefetch=2 * s.email_concurrency),
            await bus.consume(t.webhook_queue, self._queued, model=WebhookNotification,
                              retry=retry, concurrency=s.webhook_concurrency,
                              prefetch=2 * s.webhook_concurrency),
            await bus.serve(t.rpc_notifier, self._on_request, model=NotifierRequest),
            await bus.subscribe(t.system_events, [], self._on_system, model=SystemEvent),
        ]

    async def stop(self) -> None:
        for sub in reversed(self._subs):
            await sub.cancel()  # sends in flight finish
        self._subs.clear()
        if self._http is not None:
            await self._http.close()
        await self.db.dispose()

    def stats(self) -> dict[str, Any]:
        queued = self._queued
        return {"sent": self.sent, "failed": self.failed,
                "deferred": queued.deferred if queued else 0,
                "handed_back": queued.handed_back if queued else 0,
                "cannot_serve": dict(self.secrets.unservable), "config_version": self.version,
                "breakers": {key: b.state for key, b in self.gate.breakers.items()}}

    def _count(self, sent: bool, failed: bool) -> None:
        self.sent += sent
        self.failed += failed

    def status(self) -> NotifierStatus:
        """Each target's breaker, failures and rate limit."""
        return self.gate.status()

    # -- configuration --------------------------------------------------------------------------
    @property
    def config(self) -> AlertingConfig:
        return self.in_force.config

    @property
    def version(self) -> int:
        return self.in_force.version

    async def _apply(self, stored: Versioned, old: AlertingConfig) -> None:
        """A config version now in force: its secrets looked up, its limits and breaker settings
        applied. SMTP settings are read at each send."""
        await self.secrets.look_up(stored.config)
        self.gate.apply(stored.config, old)

    async def _on_system(self, event: SystemEvent, _: Delivery) -> None:
        if event.event_type == "config" and (stored := await self.in_force.on_event(event)):
            log.info("rules and targets now at config version %d (saved by %s)", stored.version,
                     stored.saved_by or "?")

    # -- requests -------------------------------------------------------------------------------
    async def _on_request(self, req: NotifierRequest, d: Delivery) -> BaseModel:
        assert self._direct is not None and self._requests is not None
        q = req.query
        if isinstance(q, SendNow):
            return await self._direct.send_now(q.notification)
        if isinstance(q, SendTest):
            return await self._direct.send_now(self._direct.test_message(q, d.user_id or ""))
        if isinstance(q, TargetsStatus):
            return self.status()
        return await self._requests.answer(q, d.user_id)
