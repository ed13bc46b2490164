"""Whether a notification may go now: its target's circuit breaker and the rate limits of its
channel and its target (``limits``), kept across config versions; and each target's state as
the console shows it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime

from workers.contracts import EmailNotification, WebhookNotification
from workers.contracts.alerting import AlertingConfig
from workers.contracts.notifications import NotifierStatus, TargetStatus
from workers.notifier.limits import CircuitBreaker, RateLimiter, acquire

Notification = EmailNotification | WebhookNotification


def key_of(msg: Notification) -> str:
    """What a breaker and a target rate limit are kept for: the configured target."""
    return msg.target_id


class Gate:
    def __init__(self, config: Callable[[], AlertingConfig]):
        self._config = config
        self._channel_limits: dict[str, RateLimiter] = {}
        self._target_limits: dict[str, RateLimiter] = {}
        self.breakers: dict[str, CircuitBreaker] = {}

    def apply(self, config: AlertingConfig, old: AlertingConfig) -> None:
        """A config version now in force: its rate limits (a limit that did not change keeps
        its count of recent sends), its breaker settings (a breaker keeps its failures so far)."""
        for breaker in self.breakers.values():
            breaker.settings = config.breaker
        self._channel_limits = {
            ch: self._channel_limits[ch] if old.channel_limits.get(ch) == lim
            and ch in self._channel_limits else RateLimiter(lim)
            for ch, lim in config.channel_limits.items()}
        limits = {}
        for t in config.targets:
            if t.rate_limit is None:
                continue
            kept = self._target_limits.get(t.id)
            limits[t.id] = kept if kept is not None and kept.limit == t.rate_limit \
                else RateLimiter(t.rate_limit)
        self._target_limits = limits

    def breaker(self, key: str) -> CircuitBreaker:
        if key not in self.breakers:
            self.breakers[key] = CircuitBreaker(self._config().breaker)
        return self.breakers[key]

    async def clearance(self, msg: Notification, patience: float, *,
                        breaker: bool) -> tuple[float, str]:
        """Wait (up to ``patience``) until the target's breaker and the rate limits let this
        message go; (0, "") when it may go now, else how much longer it would have to wait."""
        key = key_of(msg)
        b = self.breaker(key)
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

    def status(self) -> NotifierStatus:
        config = self._config()
        keys = [t.id for t in config.targets]
        keys += [k for k in self.breakers if k not in keys]
        out = []
        for key in keys:
            target = config.target(key)
            b = self.breaker(key)
            until = None
            if b.state != "closed":
                until = reopens_at(b)
            limit = target.rate_limit if target is not None else None
            out.append(TargetStatus(
                target_id=key, channel=target.channel if target else "webhook",
                breaker=b.state, consecutive_failures=b.failures, open_until=until,
                rate_limit=str(limit) if limit else None, last_error=b.last_error))
        return NotifierStatus(targets=out)


def reopens_at(b: CircuitBreaker) -> datetime:
    """When a paused target is tried again, on the wall clock."""
    return datetime.fromtimestamp(time.time() + b.open_until - time.monotonic(), UTC)
