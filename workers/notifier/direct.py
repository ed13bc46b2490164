"""Direct sends (``rpc.notifier``): one attempt now, its outcome in the reply, not retried (the
one who asked decides). A direct send also probes a paused target: its success resumes it."""

from __future__ import annotations

import time
from dataclasses import dataclass

from workers.bus import PermanentError
from workers.contracts import EmailNotification, WebhookNotification, utcnow
from workers.contracts.notifications import SendResult, SendTest, TestFacts, notification_to
from workers.notifier.outcome import DeliveryRefused
from workers.notifier.sender import Sender
from workers.storage import notifications as log_store

Notification = EmailNotification | WebhookNotification


@dataclass
class DirectSends:
    sender: Sender
    #: how long a send waits for its rate limit before answering "try later"
    wait_s: float

    def test_message(self, q: SendTest, requested_by: str) -> Notification:
        target = self.sender.in_force.config.target(q.target_id)
        if target is None:
            raise PermanentError(f"no target {q.target_id!r} is configured")
        return notification_to(target.channel, target.id,
                                TestFacts(requested_by=requested_by, at=utcnow()))

    async def send_now(self, msg: Notification) -> SendResult:
        """One attempt now; the outcome, also when it failed."""
        result = SendResult(message_id=msg.message_id, ok=False, channel=msg.notification_type,
                            target_id=msg.target_id)
        entry = await self.sender.notes.entry(msg.message_id)
        if entry is not None and entry.state == log_store.SENT:
            return result.model_copy(update={"ok": True, "error": "sent already"})
        try:
            self.sender.target(msg)
        except DeliveryRefused as exc:
            return result.model_copy(update={"error": str(exc)})
        wait, why = await self.sender.gate.clearance(msg, self.wait_s, breaker=False)
        if wait > 0:
            return result.model_copy(update={"error": f"{why}: try again in {wait:.0f} s"})
        started = time.perf_counter()
        attempt = (entry.attempts if entry is not None else 0) + 1
        outcome = await self.sender.attempt(msg, attempt, final_if_failed=True)
        return result.model_copy(update={
            "ok": outcome.ok, "status": outcome.status, "error": outcome.error,
            "duration_ms": (time.perf_counter() - started) * 1000})
