"""Email and webhook notifications, in the seed's shape."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, EmailStr, Field

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
