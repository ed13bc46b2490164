"""Emails in the site's language (``AlertingConfig.language``), through a real SMTP server."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.notifier import SmtpServer, StartNotifier
from tests.notifier.test_email import config, received, store_report
from workers.bus import Bus
from workers.contracts import EmailNotification, ReportFacts, utcnow
from workers.contracts.notifications import AlertFacts


async def test_an_alert_email_is_written_in_the_sites_language(
        inprocess_bus: Bus, smtp_starttls: SmtpServer, start_notifier: StartNotifier) -> None:
    bus, smtp = inprocess_bus, smtp_starttls
    await start_notifier(bus, config(smtp).model_copy(update={"language": "ko"}))
    await bus.publish("", bus.topology.email_queue, EmailNotification(
        target_id="ops", about=AlertFacts(action="raise", alert_id="a-1", rule_id="crowd",
                                          severity="critical", camera_id="door",
                                          message="Zone queue: 12 present", at=utcnow())))
    [mail] = await received(smtp)
    assert mail["Subject"] == "[CamCount] 심각: Zone queue: 12 present"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert text.startswith("심각 경보: Zone queue: 12 present")
    assert "규칙: crowd" in text and "카메라: door" in text
    assert "CamCount 콘솔에서 확인 처리하십시오." in text
    assert "<th align=\"left\">규칙</th><td>crowd</td>" in html
    # the date in the Korean way, in the site's zone
    assert "오전" in text or "오후" in text


async def test_a_report_email_is_written_in_the_sites_language(
        inprocess_bus: Bus, smtp_starttls: SmtpServer, start_notifier: StartNotifier,
        tmp_path: Path, db_url: str) -> None:
    bus, smtp = inprocess_bus, smtp_starttls
    pdf = tmp_path / "daily.pdf"
    pdf.write_bytes(b"%PDF-1.4 a report\n%%EOF\n")
    await start_notifier(bus, config(smtp).model_copy(update={"language": "ru"}))
    await store_report(db_url, "r-1234567", pdf)
    await bus.publish("", bus.topology.email_queue,
                      EmailNotification(target_id="ops", about=ReportFacts(report_id="r-1234567")))
    [mail] = await received(smtp)
    assert mail["Subject"] == "CamCount, сводка за день: Front entrance, с 2026-11-22 по 2026-11-23"
    text = mail.get_body(("plain",)).get_content()
    assert "Отчёт CamCount во вложении: сводка за день." in text
    assert "Камеры: Front entrance" in text and "Период: с " in text
