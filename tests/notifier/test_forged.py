"""Forged notifications on the real broker: whoever can queue one can neither choose where it
goes, nor the headers, nor the body the notifier signs, nor the recipients or files of an email.
Each forged message lands in the error queue with the reason and nothing reaches a receiver; a
genuine one sent after them is delivered as the target is configured."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from tests.helpers.buses import error_inbox, start_bus
from tests.helpers.notifier import (
    SECRET,
    Receiver,
    SmtpServer,
    StartNotifier,
    hook_config,
    serve_receiver,
)
from tests.helpers.services import BROKER_URL
from tests.notifier.test_email import received
from tests.rabbit_util import purge_namespace
from workers.bus import Bus
from workers.contracts import EmailNotification, WebhookNotification, utcnow
from workers.contracts.alerting import EmailTarget
from workers.contracts.notifications import AlertFacts
from workers.notifier.signing import verify
from workers.topology import ERROR_HEADER

pytestmark = pytest.mark.rabbit


def facts() -> dict:
    return AlertFacts(action="raise", alert_id="a-1", rule_id="cam-down", severity="critical",
                      camera_id="gate", message="Camera gate offline",
                      at=utcnow()).model_dump(mode="json")


def forged(receiver: Receiver, foreign: Receiver) -> dict[str, tuple[str, dict, str]]:
    """What a publisher on the notification queues might try: (queue kind, body, the reason the
    error queue must give)."""
    seed_hook = {"notification_type": "webhook", "target_id": "hook", "about": facts()}
    seed_mail = {"notification_type": "email", "target_id": "ops", "about": facts()}
    return {
        "the seed's webhook to a foreign URL": ("webhook", {
            "notification_type": "webhook", "url": foreign.url, "target_id": "hook",
            "payload": {"event": "transfer", "amount": 1000}}, "url: Extra inputs"),
        "a configured target with a foreign URL": ("webhook", {**seed_hook, "url": foreign.url},
                                                   "url: Extra inputs"),
        "extra headers": ("webhook", {**seed_hook, "headers": {"Authorization": "Bearer x"}},
                          "headers: Extra inputs"),
        "an arbitrary body to sign": ("webhook", {**seed_hook, "payload": {"amount": 1000}},
                                      "payload: Extra inputs"),
        "an unknown target": ("webhook", {**seed_hook, "target_id": "elsewhere"},
                              "no target 'elsewhere' is configured"),
        "an email target on the webhook queue": ("webhook", {**seed_hook, "target_id": "ops"},
                                                 "target 'ops' is an email target"),
        "extra recipients": ("email", {**seed_mail, "recipients": ["thief@example.net"]},
                             "recipients: Extra inputs"),
        "a file to attach": ("email", {**seed_mail, "attachments": [
            {"filename": "passwd", "path": "/etc/passwd"}]}, "attachments: Extra inputs"),
        "mail headers and subject": ("email", {**seed_mail, "subject": "Invoice",
                                               "headers": {"Bcc": "thief@example.net"}},
                                     "Extra inputs"),
        "a report that was never made": ("email", {**seed_mail, "about": {
            "kind": "report", "report_id": "../../etc/passwd"}}, "is not stored as finished"),
    }


@pytest.fixture
async def rabbit(namespace: str) -> AsyncIterator[Bus]:
    b = await start_bus("rabbit", namespace, "notifier-test")
    try:
        yield b
    finally:
        await b.close()
        await purge_namespace(BROKER_URL, b.topology)


async def test_forged_notifications_send_nothing_and_say_why_in_the_error_queue(
        rabbit: Bus, receiver: Receiver, smtp_starttls: SmtpServer,
        start_notifier: StartNotifier) -> None:
    bus, smtp = rabbit, smtp_starttls
    errors = await error_inbox(bus)
    config = hook_config(receiver.url).model_copy(update={
        "smtp": smtp.settings, "targets": [*hook_config(receiver.url).targets,
                                           EmailTarget(id="ops", recipients=["ops@example.org"])]})
    notifier = await start_notifier(bus, config)
    async with serve_receiver() as foreign:
        attempts = forged(receiver, foreign)
        for kind, body, _ in attempts.values():
            queue = bus.topology.webhook_queue if kind == "webhook" else bus.topology.email_queue
            await bus.publish("", queue, body)
        reasons = []
        for _ in attempts:
            dead = await asyncio.wait_for(errors.get(), 15)
            reasons.append(dead.headers[ERROR_HEADER])
        for what, (_, _, why) in attempts.items():
            assert [r for r in reasons if why in r], (what, why, reasons)
        print("\nwhat the error queue says:", *reasons, sep="\n  ")

        # a genuine notification to each target still goes where and as configured
        hook = WebhookNotification(target_id="hook", about=AlertFacts.model_validate(facts()))
        mail = EmailNotification(target_id="ops", about=AlertFacts.model_validate(facts()))
        await bus.publish("", bus.topology.webhook_queue, hook)
        await bus.publish("", bus.topology.email_queue, mail)
        [hit] = await receiver.wait_hits(1)
        [message] = await received(smtp)
        await asyncio.sleep(1.5)  # anything forged, published earlier, would be here by now
        assert foreign.hits == [] and len(receiver.hits) == 1
        assert hit.headers["Idempotency-Key"] == hook.message_id
        assert "Authorization" not in hit.headers
        assert verify(SECRET, hit.body, hit.headers["X-CamCount-Signature"])
        assert json.loads(hit.body)["message"] == "Camera gate offline"
        [envelope] = smtp.mailbox.messages
        assert envelope.rcpt_tos == ["ops@example.org"]
        assert message["Subject"] == "[CamCount] CRITICAL: Camera gate offline"
        assert list(message.iter_attachments()) == []
        assert errors.empty()
        # the Targets tab lists the configured targets only, nothing a forger named
        assert [t.target_id for t in notifier.status().targets] == ["hook", "ops"]
