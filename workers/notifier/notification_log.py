"""Writing the notification log: each message's state and every attempt, in the analytics
store (the console's notification history reads it)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from workers.contracts import EmailNotification, WebhookNotification, utcnow
from workers.contracts.alerting import AlertingConfig, EmailTarget, WebhookTarget
from workers.notifier import compose
from workers.notifier.outcome import Outcome
from workers.storage import Database
from workers.storage import notifications as log_store
from workers.storage.models import NotificationLog as Entry

log = logging.getLogger(__name__)

Notification = EmailNotification | WebhookNotification


class NotificationLog:
    def __init__(self, db: Database, config: Callable[[], AlertingConfig]):
        self.db = db
        self._config = config

    async def entry(self, message_id: str) -> Entry | None:
        async with self.db.transaction() as session:
            return await log_store.entry(session, message_id)

    async def note(self, msg: Notification, state: str, *, error: str | None = None) -> None:
        async with self.db.transaction() as session:
            await log_store.set_state(session, {**self._fields(msg, state, utcnow()),
                                                "error": error})

    async def attempt(self, msg: Notification, attempt: int, outcome: Outcome, state: str,
                      duration_ms: float) -> None:
        """One attempt and the message's state after it. A failure to write is logged, not
        raised: the send happened (or not) regardless, and raising would retry a delivered
        message."""
        now = utcnow()
        try:
            async with self.db.transaction() as session:
                await log_store.add_attempt(
                    session, message_id=msg.message_id, attempt=attempt,
                    channel=msg.notification_type, target_id=msg.target_id or None, at=now,
                    ok=outcome.ok, status=outcome.status, error=outcome.error,
                    duration_ms=duration_ms)
                await log_store.set_state(session, {
                    **self._fields(msg, state, now), "attempts": attempt,
                    "error": outcome.error, **({"sent_at": now} if outcome.ok else {})})
        except Exception:
            log.exception("could not log attempt %d of %s", attempt, msg.message_id)

    def _fields(self, msg: Notification, state: str, now: datetime) -> dict[str, Any]:
        target = self._config().target(msg.target_id)
        recipients = ([*target.recipients, *target.cc] if isinstance(target, EmailTarget)
                      else [str(target.url)] if isinstance(target, WebhookTarget) else [])
        fields = {"message_id": msg.message_id, "channel": msg.notification_type,
                  "target_id": msg.target_id or None, "recipients": recipients,
                  "subject": compose.summary(msg.about), "state": state, "updated_at": now}
        # only when known: a report's own "queued" row already names its report
        fields.update({k: v for k in ("alert_id", "report_id") if (v := getattr(msg, k))})
        return fields
