"""The notifier worker.

A notification names a configured target and carries facts (an alert, a report id, a test);
what is sent, and where, is built here from the target's stored settings and the notifier's own
templates (``compose``), never taken from the message.

Queued sends (``notification.email``, ``notification.webhook``): a message scheduled for later,
held back by a rate limit or for a paused target (circuit breaker open) goes back through the
bus's delay queues without counting an attempt. A failed attempt is retried by the bus with
exponential backoff and jitter, up to the message's attempts, then lands in ``dead.letter.error``
with the reason; a refusal (HTTP 4xx other than 408/425/429, SMTP 5xx) is not retried.

Direct sends (``rpc.notifier``): one attempt, the outcome in the reply. A direct send also probes
a paused target: its success resumes it.

Every attempt is written to the notification log; a message already sent is not sent again.

A notifier that cannot serve a target (its secret, or the SMTP password, is not set on this
machine) leaves that target's notifications for another notifier: it puts them back without
counting an attempt and says so in its heartbeat (``cannot_serve``).

Rules, targets and site settings are stored config (``workers.alerting``): a notifier answers
the console's requests to read and edit them (``workers.alerting.requests``), stores the next
version and announces it on ``system.events``; every notifier and rule engine applies it without a
restart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import BaseModel

from workers.alerting import config as config_file
from workers.alerting.follow import ConfigInForce
from workers.alerting.requests import ConfigRequests
from workers.alerting.store import Versioned
from workers.bus import Bus, Delivery, PermanentError, PublishError, RetryPolicy, Subscription
from workers.contracts import EmailNotification, SystemEvent, WebhookNotification, utcnow
from workers.contracts.alerting import AlertingConfig, EmailTarget, WebhookTarget
from workers.contracts.notifications import (
    NotifierRequest,
    NotifierStatus,
    ReportFacts,
    SendNow,
    SendResult,
    SendTest,
    TargetsStatus,
    TargetStatus,
    TestFacts,
    notification_to,
)
from workers.notifier import compose, mail, webhook
from workers.notifier.addressing import local_time
from workers.notifier.limits import CircuitBreaker, RateLimiter, acquire
from workers.notifier.outcome import Outcome
from workers.notifier.secrets import SecretMissing, resolve
from workers.notifier.templates import UnknownTemplate
from workers.storage import Database, redact, upgrade
from workers.storage import notifications as log_store
from workers.storage import reports as report_store

log = logging.getLogger(__name__)

#: the most attempts any message may ask for (WebhookRetryPolicy allows 10)
MAX_ATTEMPTS = 10
BREAKER_RULE = "notifier.circuit_breaker"

Notification = EmailNotification | WebhookNotification


class DeliveryFailed(Exception):
    """An attempt failed in a way worth retrying; the bus retries it with backoff."""


class DeliveryRefused(PermanentError):
    """Retrying cannot help (refused by the receiver, attempts used up, misconfigured)."""


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
        self._requests: ConfigRequests | None = None
        self.worker_id = worker_id
        self.settings = settings or NotifierSettings()
        self._bus: Bus | None = None
        self._subs: list[Subscription] = []
        self._http: aiohttp.ClientSession | None = None
        self._secrets: dict[str, str] = {}
        self._secret_errors: dict[str, str] = {}
        #: targets this notifier cannot send to, and why (a secret not set on this machine)
        self._unservable: dict[str, str] = {}
        self._channel_limits: dict[str, RateLimiter] = {}
        self._target_limits: dict[str, RateLimiter] = {}
        self._breakers: dict[str, CircuitBreaker] = {}
        self._breaker_alerts: dict[str, str] = {}
        self.sent = self.failed = self.deferred = self.handed_back = 0

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self, bus: Bus) -> None:
        revision = await upgrade(self.db)
        log.info("notification log in %s at schema %s", redact(str(self.db.url)), revision)
        await self._apply(await self.in_force.start(by=self.worker_id), self.in_force.seed)
        self._bus = bus
        self._requests = ConfigRequests(self.in_force, bus, source=self.worker_id,
                                        secret_problems=self._secret_problems)
        self._http = aiohttp.ClientSession()
        t, s = bus.topology, self.settings
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
        return {"sent": self.sent, "failed": self.failed, "deferred": self.deferred,
                "handed_back": self.handed_back, "cannot_serve": dict(self._unservable),
                "config_version": self.version,
                "breakers": {key: b.state for key, b in self._breakers.items()}}

    # -- configuration --------------------------------------------------------------------------
    @property
    def config(self) -> AlertingConfig:
        return self.in_force.config

    @property
    def version(self) -> int:
        return self.in_force.version

    async def _apply(self, stored: Versioned, old: AlertingConfig) -> None:
        """A config version now in force: its secrets looked up, its rate limits (a limit that
        did not change keeps its count of recent sends), its breaker settings (a breaker keeps
        its failures so far). SMTP settings are read at each send."""
        await self._resolve_secrets()
        for breaker in self._breakers.values():
            breaker.settings = self.config.breaker
        self._channel_limits = {
            ch: self._channel_limits[ch] if old.channel_limits.get(ch) == lim
            and ch in self._channel_limits else RateLimiter(lim)
            for ch, lim in self.config.channel_limits.items()}
        limits = {}
        for t in self.config.targets:
            if t.rate_limit is None:
                continue
            kept = self._target_limits.get(t.id)
            limits[t.id] = kept if kept is not None and kept.limit == t.rate_limit \
                else RateLimiter(t.rate_limit)
        self._target_limits = limits

    @staticmethod
    def _secret_refs(config: AlertingConfig) -> list[str]:
        refs = [t.secret for t in config.targets if isinstance(t, WebhookTarget)]
        if config.smtp is not None and config.smtp.password:
            refs.append(config.smtp.password)
        return refs

    async def _resolve_secrets(self) -> None:
        """Look every secret up once per config version. A target whose secret is missing here
        is left to notifiers that have it (queued sends) or refused with the reason (direct)."""
        self._secrets, self._secret_errors = {}, {}
        for ref in self._secret_refs(self.config):
            try:
                self._secrets[ref] = await resolve(ref)
            except SecretMissing as exc:
                self._secret_errors[ref] = str(exc)
        smtp_ref = self.config.smtp.password if self.config.smtp is not None else None
        self._unservable = {}
        for t in self.config.targets:
            ref = t.secret if isinstance(t, WebhookTarget) else smtp_ref
            if ref is not None and ref in self._secret_errors:
                self._unservable[t.id] = f"{self._secret_errors[ref]} on {self.worker_id}"
        if self._unservable:
            log.error("this notifier cannot send to %s: %s; their notifications are left for a "
                      "notifier that can", ", ".join(sorted(self._unservable)),
                      "; ".join(sorted(set(self._secret_errors.values()))))

    async def _on_system(self, event: SystemEvent, _: Delivery) -> None:
        if event.event_type == "config" and (stored := await self.in_force.on_event(event)):
            log.info("rules and targets now at config version %d (saved by %s)", stored.version,
                     stored.saved_by or "?")

    def _secret_problems(self, config: AlertingConfig) -> dict[str, str]:
        return {ref: self._secret_errors[ref] for ref in self._secret_refs(config)
                if ref in self._secret_errors}

    def _secret(self, ref: str) -> str:
        if ref not in self._secrets:
            raise DeliveryRefused(self._secret_errors.get(ref, f"secret {ref} is not set")
                                  + f" on {self.worker_id}")
        return self._secrets[ref]

    def _target(self, msg: Notification) -> EmailTarget | WebhookTarget:
        """The configured target a notification names, of the channel of its queue."""
        target = self.config.target(msg.target_id)
        if target is None:
            raise DeliveryRefused(f"no target {msg.target_id!r} is configured (config version "
                                  f"{self.version}): notifications are sent only to configured "
                                  "targets")
        if target.channel != msg.notification_type:
            raise DeliveryRefused(f"target {target.id!r} is an {target.channel} target, not "
                                  f"{msg.notification_type}")
        return target

    async def _report(self, facts: ReportFacts) -> compose.StoredReport:
        """A finished report as the analytics store has it: its file is the one attached."""
        async with self.db.sessions() as session:
            row = await report_store.get(session, facts.report_id)
        if row is None or not row.path:
            raise DeliveryRefused(f"report {facts.report_id!r} is not stored as finished in the "
                                  f"notifier's database ({redact(str(self.db.url))})")
        req = row.request
        return compose.StoredReport(
            row.report_id, row.report_type, row.format, list(req.get("camera_ids") or []),
            str(req.get("date_range", {}).get("start", "")),
            str(req.get("date_range", {}).get("end", "")),
            str(req.get("parameters", {}).get("timezone") or self.config.timezone), row.path)

    # -- queued sends ---------------------------------------------------------------------------
    async def _queued(self, msg: Notification, d: Delivery) -> None:
        assert self._bus is not None
        async with self.db.transaction() as session:
            entry = await log_store.entry(session, msg.message_id)
        if entry is not None and entry.state == log_store.SENT:
            log.info("%s %s was sent already; not sending it again", msg.notification_type,
                     msg.message_id)
            return
        target = self._target(msg)  # an unknown one is refused before anything is kept for it
        now = utcnow()
        if msg.scheduled_at is not None and msg.scheduled_at > now:
            await self._note(msg, log_store.SCHEDULED)
            await self._bus.defer(d, (msg.scheduled_at - now).total_seconds())
            return
        if (why_not := self._unservable.get(target.id)) is not None:
            # another notifier may have the secret: leave the message to it, not an attempt
            self.handed_back += 1
            reason = f"{why_not}: left for another notifier"
            if entry is None or entry.error != reason:  # once, not at every round
                await self._note(msg, log_store.WAITING, error=reason)
            await self._bus.defer(d, self.settings.hand_back_s)
            return
        wait, why = await self._clearance(msg, self.settings.inline_wait_s, breaker=True)
        if wait > 0:
            self.deferred += 1
            await self._note(msg, log_store.WAITING, error=f"{why}: next try in {wait:.1f} s")
            await self._bus.defer(d, wait)
            return
        attempt = d.attempts + 1
        limit = (target.max_attempts if isinstance(target, WebhookTarget)
                 else self.settings.email_attempts)
        outcome = await self._attempt(msg, attempt, final_if_failed=attempt >= limit)
        if outcome.ok:
            return
        if not outcome.retryable:
            raise DeliveryRefused(outcome.error)
        if attempt >= limit:
            raise DeliveryRefused(f"gave up after {attempt} attempts: {outcome.error}")
        raise DeliveryFailed(outcome.error)

    @staticmethod
    def _key(msg: Notification) -> str:
        """What a breaker and a target rate limit are kept for: the configured target."""
        return msg.target_id

    def _breaker(self, key: str) -> CircuitBreaker:
        if key not in self._breakers:
            self._breakers[key] = CircuitBreaker(self.config.breaker)
        return self._breakers[key]

    async def _clearance(self, msg: Notification, patience: float, *,
                         breaker: bool) -> tuple[float, str]:
        """Wait (up to ``patience``) until the target's breaker and the rate limits let this
        message go; (0, "") when it may go now, else how much longer it would have to wait."""
        key = self._key(msg)
        b = self._breaker(key)
        limiters = [lim for lim in (self._channel_limits.get(msg.notification_type),
                                    self._target_limits.get(msg.target_id)) if lim is not None]
        deadline = time.monotonic() + patience
        while True:
            wait, why = (b.wait(), f"target {key} paused after repeated failures") if breaker \
                else (0.0, "")
            if wait == 0:
                wait, why = acquire(limiters), f"rate limit of {key}"
                if wait == 0:
                    if breaker:
                        b.admit()  # nothing awaited since b.wait() said yes: this cannot fail
                    return 0.0, ""
            if time.monotonic() + wait > deadline:
                return wait, why
            await asyncio.sleep(wait)

    # -- one attempt ----------------------------------------------------------------------------
    async def _attempt(self, msg: Notification, attempt: int, *,
                       final_if_failed: bool) -> Outcome:
        """Deliver once; record the attempt and the message's state; update its breaker."""
        key = self._key(msg)
        started = time.perf_counter()
        try:
            outcome = await self._deliver(msg, attempt)
        except DeliveryRefused as exc:
            outcome = Outcome.refused(str(exc))
        duration_ms = (time.perf_counter() - started) * 1000
        breaker = self._breaker(key)
        if outcome.ok:
            self.sent += 1
            if breaker.success():
                await self._breaker_event(key, opened=False)
        else:
            log.warning("%s %s to %s, attempt %d: %s", msg.notification_type, msg.message_id, key,
                        attempt, outcome.error)
            if outcome.retryable and breaker.failure(outcome.error or "?"):
                await self._breaker_event(key, opened=True)
            if not outcome.retryable or final_if_failed:
                self.failed += 1
        state = (log_store.SENT if outcome.ok else log_store.RETRYING
                 if outcome.retryable and not final_if_failed else log_store.FAILED)
        now = utcnow()
        try:
            async with self.db.transaction() as session:
                await log_store.add_attempt(
                    session, message_id=msg.message_id, attempt=attempt,
                    channel=msg.notification_type, target_id=msg.target_id or None, at=now,
                    ok=outcome.ok, status=outcome.status, error=outcome.error,
                    duration_ms=duration_ms)
                await log_store.set_state(session, {
                    **self._log_fields(msg, state, now), "attempts": attempt,
                    "error": outcome.error, **({"sent_at": now} if outcome.ok else {})})
        except Exception:
            # The send happened (or not) regardless: raising would retry a delivered message.
            log.exception("could not log attempt %d of %s", attempt, msg.message_id)
        return outcome

    async def _deliver(self, msg: Notification, attempt: int) -> Outcome:
        target = self._target(msg)
        report = await self._report(msg.about) if isinstance(msg.about, ReportFacts) else None
        tz = self.config.timezone
        if isinstance(target, WebhookTarget):
            assert self._http is not None
            payload = compose.webhook_payload(msg.about, target.id, tz, report)
            return await webhook.post(self._http, target, payload, self._secret(target.secret),
                                      message_id=msg.message_id, attempt=attempt)
        smtp = self.config.smtp
        if smtp is None:
            raise DeliveryRefused("no SMTP server is configured (the 'smtp' section)")
        password = self._secret(smtp.password) if smtp.password else None
        try:
            message = await mail.build(compose.email_content(msg.about, target.id, tz, report),
                                       target, smtp.sender, msg.message_id,
                                       max_attachment_bytes=self.settings.max_attachment_bytes)
        except (mail.AttachmentError, UnknownTemplate) as exc:
            raise DeliveryRefused(str(exc)) from exc
        return await mail.send(smtp, password, message)

    # -- the notification log -------------------------------------------------------------------
    def _log_fields(self, msg: Notification, state: str, now: datetime) -> dict[str, Any]:
        target = self.config.target(msg.target_id)
        recipients = ([*target.recipients, *target.cc] if isinstance(target, EmailTarget)
                      else [str(target.url)] if isinstance(target, WebhookTarget) else [])
        subject = compose.summary(msg.about)
        fields = {"message_id": msg.message_id, "channel": msg.notification_type,
                  "target_id": msg.target_id or None, "recipients": recipients,
                  "subject": subject, "state": state, "updated_at": now}
        # only when known: a report's own "queued" row already names its report
        fields.update({k: v for k in ("alert_id", "report_id") if (v := getattr(msg, k))})
        return fields

    async def _note(self, msg: Notification, state: str, *, error: str | None = None) -> None:
        async with self.db.transaction() as session:
            await log_store.set_state(session, {**self._log_fields(msg, state, utcnow()),
                                                "error": error})

    # -- breaker state, visible in the console --------------------------------------------------
    async def _breaker_event(self, key: str, *, opened: bool) -> None:
        """An alert when a target is paused, its resolution when a probe got through."""
        assert self._bus is not None
        b = self._breaker(key)
        if opened:
            until = datetime.fromtimestamp(time.time() + b.open_until - time.monotonic(), UTC)
            message = (f"Notifications to {key} paused after {b.failures} failed sends "
                       f"(last: {b.last_error}); next try at "
                       f"{local_time(until, self.config.timezone)}")
            event = SystemEvent(event_type="alert", source=self.worker_id, severity="warning",
                                data={"action": "raise", "rule_id": BREAKER_RULE, "target_id": key,
                                      "message": message})
            self._breaker_alerts[key] = event.message_id
        else:
            raised = self._breaker_alerts.pop(key, None)
            event = SystemEvent(event_type="alert", source=self.worker_id, severity="info",
                                data={"action": "resolve", "alert_id": raised,
                                      "rule_id": BREAKER_RULE, "target_id": key,
                                      "message": f"Notifications to {key} resumed"})
        log.warning("%s", event.data["message"])
        event.metadata.source = self.worker_id
        try:
            await self._bus.publish(self._bus.topology.system_events, "", event, mandatory=False)
        except PublishError as exc:
            log.warning("breaker event not published: %s", exc)

    def status(self) -> NotifierStatus:
        keys = [t.id for t in self.config.targets]
        keys += [k for k in self._breakers if k not in keys]
        out = []
        for key in keys:
            target = self.config.target(key)
            b = self._breaker(key)
            until = None
            if b.state != "closed":
                until = datetime.fromtimestamp(time.time() + b.open_until - time.monotonic(), UTC)
            limit = target.rate_limit if target is not None else None
            out.append(TargetStatus(
                target_id=key, channel=target.channel if target else "webhook",
                breaker=b.state, consecutive_failures=b.failures, open_until=until,
                rate_limit=str(limit) if limit else None, last_error=b.last_error))
        return NotifierStatus(targets=out)

    # -- direct sends ---------------------------------------------------------------------------
    async def _on_request(self, req: NotifierRequest, d: Delivery) -> BaseModel:
        q = req.query
        if isinstance(q, SendNow):
            return await self.send_now(q.notification)
        if isinstance(q, SendTest):
            return await self.send_now(self._test_message(q, d.user_id or ""))
        if isinstance(q, TargetsStatus):
            return self.status()
        assert self._requests is not None
        return await self._requests.answer(q, d.user_id)

    def _test_message(self, q: SendTest, requested_by: str) -> Notification:
        target = self.config.target(q.target_id)
        if target is None:
            raise PermanentError(f"no target {q.target_id!r} is configured")
        return notification_to(target.channel, target.id,
                                TestFacts(requested_by=requested_by, at=utcnow()))

    async def send_now(self, msg: Notification) -> SendResult:
        """One attempt now; the outcome, also when it failed. Not retried: the caller decides."""
        result = SendResult(message_id=msg.message_id, ok=False, channel=msg.notification_type,
                            target_id=msg.target_id)
        async with self.db.transaction() as session:
            entry = await log_store.entry(session, msg.message_id)
        if entry is not None and entry.state == log_store.SENT:
            return result.model_copy(update={"ok": True, "error": "sent already"})
        try:
            self._target(msg)
        except DeliveryRefused as exc:
            return result.model_copy(update={"error": str(exc)})
        wait, why = await self._clearance(msg, self.settings.direct_wait_s, breaker=False)
        if wait > 0:
            return result.model_copy(update={"error": f"{why}: try again in {wait:.0f} s"})
        started = time.perf_counter()
        attempt = (entry.attempts if entry is not None else 0) + 1
        outcome = await self._attempt(msg, attempt, final_if_failed=True)
        return result.model_copy(update={
            "ok": outcome.ok, "status": outcome.status, "error": outcome.error,
            "duration_ms": (time.perf_counter() - started) * 1000})
