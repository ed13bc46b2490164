"""Email and webhook notifications, in the seed's shape, and requests to the notifier
(``rpc.notifier``): send one now and get the outcome, send a test to a configured target, read
the targets' state (circuit breakers, rate limits), read and edit the rules, targets and site
settings (``workers.contracts.alerting_admin``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AnyHttpUrl, AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from workers.contracts.alerting_admin import ConfigEdit, GetAlertingConfig
from workers.contracts.base import Contract


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1)
    content_type: str = "application/octet-stream"
    #: a file the notifier can read (reports are stored, not carried in the message)
    path: str


class EmailNotification(Contract):
    type_name: ClassVar[str] = "email_notification"

    notification_type: Literal["email"] = "email"
    recipients: list[EmailStr] = Field(min_length=1)
    cc: list[EmailStr] = Field(default_factory=list)
    subject: str = Field(min_length=1)
    template: str = "alert"
    template_data: dict[str, Any] = Field(default_factory=dict)
    attachments: list[Attachment] = Field(default_factory=list)
    target_id: str = ""
    scheduled_at: datetime | None = Field(default=None, alias="scheduledAt")
    #: what the notification is about, for the notification log
    alert_id: str | None = None
    report_id: str | None = None


class WebhookRetryPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_attempts: int = Field(default=3, ge=1, le=10)
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)


class WebhookNotification(Contract):
    type_name: ClassVar[str] = "webhook_notification"

    notification_type: Literal["webhook"] = "webhook"
    url: AnyHttpUrl
    method: Literal["POST", "PUT"] = "POST"
    headers: dict[str, str] = Field(default_factory=dict)
    payload: dict[str, Any]
    #: names the target whose secret signs the body (secrets never travel in messages)
    target_id: str = ""
    retry_policy: WebhookRetryPolicy = Field(default_factory=WebhookRetryPolicy)
    scheduled_at: datetime | None = Field(default=None, alias="scheduledAt")
    alert_id: str | None = None
    report_id: str | None = None


# -- requests to the notifier -------------------------------------------------------------------
class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SendNow(_Request):
    """Deliver one notification now (one attempt, no retry queue) and answer with the outcome."""

    kind: Literal["send"] = "send"
    notification: Annotated[EmailNotification | WebhookNotification,
                            Field(discriminator="notification_type")]


class SendTest(_Request):
    """The console's "send test notification": a short test message to a configured target."""

    kind: Literal["test_target"] = "test_target"
    target_id: str = Field(min_length=1)
    requested_by: str = ""


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
