"""Turning "tell target X" into a notification message, and times as the site reads them."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from workers.contracts.alerting import EmailTarget, WebhookTarget
from workers.contracts.notifications import EmailNotification, WebhookNotification, WebhookRetryPolicy

Notification = EmailNotification | WebhookNotification


def address(target: EmailTarget | WebhookTarget, *, subject: str, template: str,
            data: dict[str, Any], payload: dict[str, Any], **fields: Any) -> Notification:
    """A notification to ``target``: an email from ``template`` with ``data``, or a webhook
    carrying ``payload``. ``fields`` go to the message (message_id, alert_id, scheduled_at...)."""
    if isinstance(target, EmailTarget):
        return EmailNotification(recipients=target.recipients, cc=target.cc, subject=subject,
                                 template=template, template_data=data, target_id=target.id,
                                 **fields)
    return WebhookNotification(
        url=target.url, headers=target.headers, payload=payload, target_id=target.id,
        retry_policy=WebhookRetryPolicy(max_attempts=target.max_attempts,
                                        timeout_seconds=target.timeout_seconds),
        **fields)


def local_time(at: datetime, timezone: str) -> str:
    """``2026-12-01 07:00:03 CET``: what an operator in the site's zone reads."""
    return at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S %Z")


def next_local(at: time, timezone: str, *, after: datetime | None = None) -> datetime:
    """The next instant (UTC) the site's clock shows ``at``: the ``scheduledAt`` of, say, the
    daily report at 07:00. A wall time skipped by a DST change moves forward with the clock."""
    zone = ZoneInfo(timezone)
    now = (after or datetime.now(UTC)).astimezone(zone)
    day = now.date()
    while True:
        candidate = datetime.combine(day, at, zone)
        # normalise through UTC: 02:30 on a spring-forward night becomes 03:30
        utc = candidate.astimezone(UTC)
        if utc > now:
            return utc
        day += timedelta(days=1)
