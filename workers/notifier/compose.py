"""What the notifier sends, built here from the facts a notification carries, the configured
target and the notifier's own templates: an email's subject, template and attachment, a
webhook's JSON body. Nothing a message carries becomes an address, a header or a file to read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workers.contracts.notifications import AlertFacts, ReportFacts, TestFacts
from workers.notifier.addressing import local_time

Facts = AlertFacts | ReportFacts | TestFacts

CONTENT_TYPES = {"pdf": "application/pdf", "csv": "text/csv"}


@dataclass(frozen=True)
class StoredReport:
    """A finished report as the analytics store has it."""

    report_id: str
    report_type: str
    format: str
    camera_ids: list[str]
    start: str
    end: str
    timezone: str
    path: str
    #: what people call the cameras, in the order of ``camera_ids`` (their ids where unnamed)
    camera_names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    path: str


@dataclass(frozen=True)
class EmailContent:
    subject: str
    template: str
    data: dict[str, Any]
    attachments: tuple[Attachment, ...] = ()


def _alert_event(a: AlertFacts) -> str:
    return f"alert.{'raised' if a.action == 'raise' else 'resolved'}"


def webhook_payload(about: Facts, target_id: str, timezone: str,
                    report: StoredReport | None = None) -> dict[str, Any]:
    """The body every receiver gets (docs/notifications.md, "Webhooks for receivers")."""
    if isinstance(about, AlertFacts):
        return {"event": _alert_event(about), "alert_id": about.alert_id,
                "rule_id": about.rule_id, "severity": about.severity,
                "camera_id": about.camera_id, "zone_id": about.zone_id,
                "camera_name": about.camera_name, "zone_name": about.zone_name,
                "subject": about.subject, "message": about.message, "value": about.value,
                "at": about.at.isoformat()}
    if isinstance(about, TestFacts):
        return {"event": "test", "message": "Test notification from CamCount",
                "target_id": target_id, "requested_by": about.requested_by,
                "at_local": local_time(about.at, timezone), "at": about.at.isoformat()}
    assert report is not None
    return {"event": "report.ready", "report_id": report.report_id,
            "report_type": report.report_type, "camera_ids": report.camera_ids,
            "start": report.start, "end": report.end, "timezone": report.timezone}


def email_content(about: Facts, target_id: str, timezone: str,
                  report: StoredReport | None = None) -> EmailContent:
    if isinstance(about, AlertFacts):
        prefix = "Resolved" if about.action == "resolve" else about.severity.upper()
        data = {**about.model_dump(exclude={"kind", "at"}),
                "at_local": local_time(about.at, timezone)}
        return EmailContent(f"[CamCount] {prefix}: {about.message}"[:500], "alert", data)
    if isinstance(about, TestFacts):
        return EmailContent("CamCount test notification", "test", {
            "target_id": target_id, "requested_by": about.requested_by,
            "at_local": local_time(about.at, timezone)})
    assert report is not None
    title = report.report_type.replace("_", " ")
    subject = (f"CamCount {title}: {', '.join(report.camera_names or report.camera_ids)}, "
               f"{report.start[:10]} to "
               f"{report.end[:10]}")
    data = {"report_id": report.report_id, "report_type": report.report_type,
            "camera_ids": report.camera_ids, "timezone": report.timezone,
            "start": report.start, "end": report.end,
            "camera_names": report.camera_names or report.camera_ids}
    attachment = Attachment(
        Path(report.path).name,  # readable: what, of which cameras, when
        CONTENT_TYPES.get(report.format, "application/octet-stream"), report.path)
    return EmailContent(subject[:500], "report", data, (attachment,))


def summary(about: Facts) -> str:
    """One line for the notification log."""
    if isinstance(about, AlertFacts):
        return about.message[:500]
    if isinstance(about, TestFacts):
        return "CamCount test notification"
    return f"report {about.report_id}"
