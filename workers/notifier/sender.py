"""One delivery attempt, queued or direct: the target a notification names, what is sent to it
(``compose``, ``mail``, ``webhook``), the attempt in the log and its target's breaker."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

from workers.alerting.follow import ConfigInForce
from workers.contracts import EmailNotification, WebhookNotification
from workers.contracts.alerting import EmailTarget, WebhookTarget
from workers.contracts.notifications import ReportFacts
from workers.notifier import compose, mail, webhook
from workers.notifier.breaker_alerts import BreakerAlerts
from workers.notifier.gate import Gate, key_of
from workers.notifier.notification_log import NotificationLog
from workers.notifier.outcome import DeliveryRefused, Outcome
from workers.notifier.secrets import TargetSecrets
from workers.notifier.templates import UnknownTemplate
from workers.storage import Database, redact
from workers.storage import notifications as log_store
from workers.storage import reports as report_store
from workers.storage.cameras import display_names

log = logging.getLogger(__name__)

Notification = EmailNotification | WebhookNotification


@dataclass
class Sender:
    in_force: ConfigInForce
    secrets: TargetSecrets
    gate: Gate
    breaker_alerts: BreakerAlerts
    notes: NotificationLog
    db: Database
    http: aiohttp.ClientSession
    max_attachment_bytes: int
    #: called with whether a message was sent, and whether it finally failed
    counted: Callable[[bool, bool], None]

    def target(self, msg: Notification) -> EmailTarget | WebhookTarget:
        """The configured target a notification names, of the channel of its queue."""
        target = self.in_force.config.target(msg.target_id)
        if target is None:
            raise DeliveryRefused(f"no target {msg.target_id!r} is configured (config version "
                                  f"{self.in_force.version}): notifications are sent only to "
                                  "configured targets")
        if target.channel != msg.notification_type:
            raise DeliveryRefused(f"target {target.id!r} is an {target.channel} target, not "
                                  f"{msg.notification_type}")
        return target

    async def attempt(self, msg: Notification, attempt: int, *, final_if_failed: bool) -> Outcome:
        """Deliver once; record the attempt and the message's state; update its breaker."""
        key = key_of(msg)
        started = time.perf_counter()
        try:
            outcome = await self._deliver(msg, attempt)
        except DeliveryRefused as exc:
            outcome = Outcome.refused(str(exc))
        duration_ms = (time.perf_counter() - started) * 1000
        breaker = self.gate.breaker(key)
        if outcome.ok:
            self.counted(True, False)
            if breaker.success():
                await self.breaker_alerts.closed(key)
        else:
            log.warning("%s %s to %s, attempt %d: %s", msg.notification_type, msg.message_id, key,
                        attempt, outcome.error)
            if outcome.retryable and breaker.failure(outcome.error or "?"):
                await self.breaker_alerts.opened(key, breaker, self.in_force.config.timezone)
            self.counted(False, not outcome.retryable or final_if_failed)
        state = (log_store.SENT if outcome.ok else log_store.RETRYING
                 if outcome.retryable and not final_if_failed else log_store.FAILED)
        await self.notes.attempt(msg, attempt, outcome, state, duration_ms)
        return outcome

    async def _deliver(self, msg: Notification, attempt: int) -> Outcome:
        target = self.target(msg)
        report = await self._report(msg.about) if isinstance(msg.about, ReportFacts) else None
        config = self.in_force.config
        tz = config.timezone
        if isinstance(target, WebhookTarget):
            payload = compose.webhook_payload(msg.about, target.id, tz, report, config.language)
            return await webhook.post(self.http, target, payload,
                                      self.secrets.value(target.secret),
                                      message_id=msg.message_id, attempt=attempt)
        smtp = config.smtp
        if smtp is None:
            raise DeliveryRefused("no SMTP server is configured (the 'smtp' section)")
        password = self.secrets.value(smtp.password) if smtp.password else None
        try:
            message = await mail.build(compose.email_content(msg.about, target.id, tz, report,
                                                             config.language),
                                       target, smtp.sender, msg.message_id,
                                       max_attachment_bytes=self.max_attachment_bytes)
        except (mail.AttachmentError, UnknownTemplate) as exc:
            raise DeliveryRefused(str(exc)) from exc
        return await mail.send(smtp, password, message)

    async def _report(self, facts: ReportFacts) -> compose.StoredReport:
        """A finished report as the analytics store has it: its file is the one attached."""
        async with self.db.sessions() as session:
            row = await report_store.get(session, facts.report_id)
            cameras = list((row.request.get("camera_ids") or []) if row is not None else [])
            names, _ = await display_names(session, cameras)
        if row is None or not row.path:
            raise DeliveryRefused(f"report {facts.report_id!r} is not stored as finished in the "
                                  f"notifier's database ({redact(str(self.db.url))})")
        req = row.request
        return compose.StoredReport(
            row.report_id, row.report_type, row.format, list(req.get("camera_ids") or []),
            str(req.get("date_range", {}).get("start", "")),
            str(req.get("date_range", {}).get("end", "")),
            str(req.get("parameters", {}).get("timezone") or self.in_force.config.timezone),
            row.path, [names.get(c, c) for c in cameras])
