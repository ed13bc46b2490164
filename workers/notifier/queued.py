"""Queued sends (``notification.email``, ``notification.webhook``).

A message scheduled for later, held back by a rate limit or for a paused target (circuit breaker
open) goes back through the bus's delay queues without counting an attempt; so does one for a
target this notifier cannot serve (another notifier may). A failed attempt is retried by the bus
with exponential backoff and jitter, up to the target's attempts, then lands in
``dead.letter.error`` with the reason; a refusal is not retried.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from workers.bus import Bus, Delivery
from workers.contracts import EmailNotification, WebhookNotification, utcnow
from workers.contracts.alerting import WebhookTarget
from workers.notifier.outcome import DeliveryFailed, DeliveryRefused
from workers.notifier.sender import Sender
from workers.storage import notifications as log_store

log = logging.getLogger(__name__)

Notification = EmailNotification | WebhookNotification


@dataclass
class QueuedSends:
    sender: Sender
    bus: Bus
    #: attempts of an email (a webhook's come with its target)
    email_attempts: int
    #: rate-limit and breaker waits up to this are slept through; longer ones go back to the
    #: queue through a delay queue
    inline_wait_s: float
    #: how long a notification this notifier cannot serve waits before it is offered again
    hand_back_s: float
    deferred: int = 0
    handed_back: int = 0

    async def __call__(self, msg: Notification, d: Delivery) -> None:
        notes = self.sender.notes
        entry = await notes.entry(msg.message_id)
        if entry is not None and entry.state == log_store.SENT:
            log.info("%s %s was sent already; not sending it again", msg.notification_type,
                     msg.message_id)
            return
        target = self.sender.target(msg)  # an unknown one is refused before anything is kept
        now = utcnow()
        if msg.scheduled_at is not None and msg.scheduled_at > now:
            await notes.note(msg, log_store.SCHEDULED)
            await self.bus.defer(d, (msg.scheduled_at - now).total_seconds())
            return
        if (why_not := self.sender.secrets.unservable.get(target.id)) is not None:
            # another notifier may have the secret: leave the message to it, not an attempt
            self.handed_back += 1
            reason = f"{why_not}: left for another notifier"
            if entry is None or entry.error != reason:  # once, not at every round
                await notes.note(msg, log_store.WAITING, error=reason)
            await self.bus.defer(d, self.hand_back_s)
            return
        wait, why = await self.sender.gate.clearance(msg, self.inline_wait_s, breaker=True)
        if wait > 0:
            self.deferred += 1
            await notes.note(msg, log_store.WAITING, error=f"{why}: next try in {wait:.1f} s")
            await self.bus.defer(d, wait)
            return
        attempt = d.attempts + 1
        limit = (target.max_attempts if isinstance(target, WebhookTarget)
                 else self.email_attempts)
        outcome = await self.sender.attempt(msg, attempt, final_if_failed=attempt >= limit)
        if outcome.ok:
            return
        if not outcome.retryable:
            raise DeliveryRefused(outcome.error)
        if attempt >= limit:
            raise DeliveryRefused(f"gave up after {attempt} attempts: {outcome.error}")
        raise DeliveryFailed(outcome.error)
