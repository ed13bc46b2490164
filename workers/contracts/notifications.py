"""Email and webhook notifications — a configured target's id and the facts to tell it, unlike the
seed, whose messages carried the URL, headers, body and recipients — and requests to the notifier
(``rpc.notifier``): send one now and get the outcome, send a test to a configured target, read
the targets' state (circuit breakers, rate limits), read and edit the rules, targets and site
settings (``workers.contracts.alerting_admin``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from workers.contracts.alerting_admin import ConfigEdit, GetAlertingConfig
from workers.contracts.base import Contract


class AlertFacts(BaseModel):
    """What an alert notification tells: the rule engine's facts. The notifier turns them into
    the email (its ``alert`` template) or the webhook body (its fixed JSON shape)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["alert"] = "alert"
    action: Literal["raise", "resolve"]
    alert_id: str = Field(min_length=1, max_length=64)
    rule_id: str = Field(min_length=1, max_length=200)
    rule_name: str = Field(default="", max_length=200)
    rule_kind: str = Field(default="", max_length=64)
    severity: Literal["info", "warning", "critical"]
    camera_id: str | None = Field(default=None, max_length=64)
    zone_id: str | None = Field(default=None, max_length=64)
    subject: str | None = Field(default=None, max_length=200)
    #: what people call the camera and zone (their ids where unnamed)
    camera_name: str | None = Field(default=None, max_length=200)
    zone_name: str | None = Field(default=None, max_length=200)
    message: str = Field(max_length=1000)
    value: float | None = None
    held_seconds: float | None = None
    at: AwareDatetime


class ReportFacts(BaseModel):
    """A finished report to mail: the notifier reads the report (its range, cameras, file) from
    the analytics store by id; nothing else travels."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["report"] = "report"
    report_id: str = Field(min_length=1, max_length=64)


class TestFacts(BaseModel):
    """The console's "send test notification" (direct sends only)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["test"] = "test"
    requested_by: str = Field(default="", max_length=200)
    at: AwareDatetime


About = Annotated[AlertFacts | ReportFacts | TestFacts, Field(discriminator="kind")]


class _Notification(Contract):
    """A notification names a configured target and what to tell it. The notifier builds the
    request from the target's stored settings (URL, headers, recipients, attempts) and its own
    templates: no address, header, body or file travels in the message, so whoever can queue
    one can neither choose where it goes nor what is signed."""

    target_id: str = Field(min_length=1, max_length=64)
    about: About
    scheduled_at: datetime | None = Field(default=None, alias="scheduledAt")

    @property
    def alert_id(self) -> str | None:
        return self.about.alert_id if isinstance(self.about, AlertFacts) else None

    @property
    def report_id(self) -> str | None:
        return self.about.report_id if isinstance(self.about, ReportFacts) else None


class EmailNotification(_Notification):
    type_name: ClassVar[str] = "email_notification"

    notification_type: Literal["email"] = "email"


class WebhookNotification(_Notification):
    type_name: ClassVar[str] = "webhook_notification"

    notification_type: Literal["webhook"] = "webhook"


def notification_to(channel: Literal["email", "webhook"], target_id: str, about: AlertFacts
                    | ReportFacts | TestFacts, **fields: Any) -> EmailNotification | WebhookNotification:
    """The message telling ``target_id`` (of ``channel``) about ``about``; ``fields``: message_id,
    scheduledAt..."""
    cls = EmailNotification if channel == "email" else WebhookNotification
    return cls(target_id=target_id, about=about, **fields)


# -- requests to the notifier -------------------------------------------------------------------
class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SendNow(_Request):
    """Deliver one notification now (one attempt, no retry queue) and answer with the outcome."""

    kind: Literal["send"] = "send"
    notification: Annotated[EmailNotification | WebhookNotification,
                            Field(discriminator="notification_type")]


class SendTest(_Request):
    """The console's "send test notification": a short test message to a configured target (the
    requester is the broker account that asked)."""

    kind: Literal["test_target"] = "test_target"
    target_id: str = Field(min_length=1)


class TargetsStatus(_Request):
    kind: Literal["status"] = "status"


NotifierQuery = Annotated[
    SendNow | SendTest | TargetsStatus | GetAlertingConfig | ConfigEdit,
    Field(discriminator="kind")]


class NotifierRequest(Contract):
    type_name: ClassVar[str] = "notifier_request"

    query: NotifierQuery


class SendResult(BaseModel):
    message_id: str
    ok: bool
    channel: Literal["email", "webhook"]
    target_id: str = ""
    #: HTTP status of a webhook, SMTP reply code of an email (None: no answer at all)
    status: int | None = None
    error: str | None = None
    duration_ms: float = 0.0


BreakerState = Literal["closed", "open", "half_open"]


class TargetStatus(BaseModel):
    target_id: str
    channel: Literal["email", "webhook"]
    breaker: BreakerState
    consecutive_failures: int
    #: while open: when the next probe is let through
    open_until: AwareDatetime | None = None
    rate_limit: str | None = None
    last_error: str | None = None


class NotifierStatus(BaseModel):
    targets: list[TargetStatus]
