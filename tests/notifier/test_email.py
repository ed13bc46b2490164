"""Email against a real SMTP server (aiosmtpd): STARTTLS or TLS, login, bodies, attachments."""

from __future__ import annotations

import asyncio
import email
import time
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from tests.helpers.buses import error_inbox
from tests.helpers.notifier import SmtpServer, StartNotifier
from workers.bus import Bus
from workers.contracts import EmailNotification, ReportFacts, utcnow
from workers.contracts.alerting import AlertingConfig, EmailTarget
from workers.contracts.notifications import AlertFacts, NotifierRequest, SendResult, SendTest
from workers.storage import Database
from workers.storage.cameras import update_camera
from workers.storage.models import Report
from workers.topology import ERROR_HEADER


def config(smtp: SmtpServer, *targets: EmailTarget) -> AlertingConfig:
    return AlertingConfig(smtp=smtp.settings, timezone="Europe/Berlin",
                          targets=list(targets) or [EmailTarget(id="ops",
                                                                recipients=["ops@example.org"])])


async def store_report(db_url: str, report_id: str, path: Path) -> None:
    """A finished report in the analytics store, as the analytics worker leaves it."""
    db = Database(db_url)
    try:
        async with db.transaction() as session:
            await update_camera(session, "entrance", utcnow(), {"name": "Front entrance"})
            session.add(Report(
                report_id=report_id, report_type="daily_summary", format="pdf", state="done",
                request={"camera_ids": ["entrance"], "parameters": {"timezone": "Europe/Berlin"},
                         "date_range": {"start": "2026-11-22T00:00:00+01:00",
                                        "end": "2026-11-23T00:00:00+01:00"}},
                path=str(path), created_at=utcnow()))
    finally:
        await db.dispose()


async def received(smtp: SmtpServer, n: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
    deadline = time.monotonic() + timeout
    while len(smtp.mailbox.messages) < n:
        assert time.monotonic() < deadline, f"{len(smtp.mailbox.messages)} mails, wanted {n}"
        await asyncio.sleep(0.05)
    return [email.message_from_bytes(e.content, policy=default) for e in smtp.mailbox.messages]


async def test_a_queued_report_email_arrives_with_recipients_bodies_and_attachment(
        inprocess_bus: Bus, smtp_starttls: SmtpServer, start_notifier: StartNotifier,
        tmp_path: Path, db_url: str) -> None:
    bus, smtp = inprocess_bus, smtp_starttls
    pdf = tmp_path / "daily-summary_Front-door_2026-10-25_r-123456.pdf"
    pdf.write_bytes(b"%PDF-1.4 a report\n%%EOF\n")
    await start_notifier(bus, config(smtp, EmailTarget(
        id="managers", recipients=["boss@example.org", "ops@example.org"],
        cc=["audit@example.org"])))
    await store_report(db_url, "r-1234567", pdf)
    # the message names the target and the report; recipients and file come from config/store
    msg = EmailNotification(target_id="managers", about=ReportFacts(report_id="r-1234567"))
    await bus.publish("", bus.topology.email_queue, msg)
    [mail] = await received(smtp)
    [envelope] = smtp.mailbox.messages
    assert sorted(envelope.rcpt_tos) == ["audit@example.org", "boss@example.org",
                                         "ops@example.org"]
    assert smtp.mailbox.logins == ["camcount"]  # logged in, over STARTTLS (the server insists)
    # the camera by the name its admin gave it
    assert mail["Subject"] == "CamCount daily summary: Front entrance, 2026-11-22 to 2026-11-23"
    assert mail["To"] == "boss@example.org, ops@example.org"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Cameras: Front entrance" in text and "<td>Front entrance</td>" in html
    [att] = list(mail.iter_attachments())
    assert att.get_filename() == pdf.name  # the readable name the report was stored under
    assert att.get_content_type() == "application/pdf"
    assert att.get_content() == pdf.read_bytes()


async def test_the_console_test_send_over_tls_answers_at_once(
        inprocess_bus: Bus, smtp_tls: SmtpServer, start_notifier: StartNotifier) -> None:
    bus, smtp = inprocess_bus, smtp_tls
    await start_notifier(bus, config(smtp))
    result = await bus.request(bus.topology.rpc_notifier,
                               NotifierRequest(query=SendTest(target_id="ops")),
                               reply_model=SendResult, timeout=15)
    assert result.ok and result.status == 250, result
    [mail] = await received(smtp)
    assert mail["Subject"] == "CamCount test notification"
    # the requester is the account the bus names (the local user on the in-process bus)
    assert f"sent by {bus.user}" in mail.get_body(("plain",)).get_content()


async def test_a_refused_recipient_is_not_retried_and_the_reason_is_kept(
        inprocess_bus: Bus, smtp_starttls: SmtpServer, start_notifier: StartNotifier) -> None:
    bus, smtp = inprocess_bus, smtp_starttls
    smtp.mailbox.refuse["gone@example.org"] = "550 5.1.1 no such mailbox"
    errors = await error_inbox(bus)
    await start_notifier(bus, config(smtp, EmailTarget(id="gone", recipients=["gone@example.org"])))
    await bus.publish("", bus.topology.email_queue, EmailNotification(
        target_id="gone", about=AlertFacts(action="raise", alert_id="a-1", rule_id="r",
                                           severity="warning", message="x", at=utcnow())))
    dead = await asyncio.wait_for(errors.get(), 10)
    assert "550 5.1.1 no such mailbox" in dead.headers[ERROR_HEADER]
    assert smtp.mailbox.messages == []
