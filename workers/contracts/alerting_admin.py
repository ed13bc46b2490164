"""Editing the alert rules, notification targets and site settings over ``rpc.notifier``, and
the ``config`` event on ``system.events`` that makes every rule engine and notifier apply a saved
version. Who saved a version is the broker account that sent the request (its validated
``user_id``), never a field of the request.

Only the document travels: it holds secret *references* (``env:NAME``, ``keyring:service/name``),
never a secret's value, which stays on the notifier's machine.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from workers.contracts.alerting import (
    AlertingConfig,
    AlertRule,
    BreakerSettings,
    Language,
    RateLimit,
    SmtpSettings,
    Target,
)
from workers.contracts.phrases import Phrase

#: ``SystemEvent.data["config"]`` of a saved alerting configuration
CONFIG_NAME = "alerting"
#: the site-wide settings of the document, replaced together by ``PutSettings``
SETTINGS = ("timezone", "language", "smtp", "channel_limits", "breaker")


class _Edit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: the version the admin's form was filled from: an item changed since then is not overwritten
    base_version: int = Field(ge=0)


class GetAlertingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["get_config"] = "get_config"


class PutRule(_Edit):
    """Add a rule, or replace the one with id ``replaces`` (its old id when it was renamed)."""

    kind: Literal["put_rule"] = "put_rule"
    rule: AlertRule
    replaces: str | None = None


class DeleteRule(_Edit):
    kind: Literal["delete_rule"] = "delete_rule"
    rule_id: str = Field(min_length=1)


class PutTarget(_Edit):
    kind: Literal["put_target"] = "put_target"
    target: Target
    replaces: str | None = None


class DeleteTarget(_Edit):
    kind: Literal["delete_target"] = "delete_target"
    target_id: str = Field(min_length=1)


class PutSettings(_Edit):
    """Replace the site-wide settings; ``smtp`` None removes the SMTP server. The time zone is
    checked with the whole document, so a refusal can name it."""

    kind: Literal["put_settings"] = "put_settings"
    timezone: str
    #: a console that predates languages sends none: English, as before
    language: Language = "en"
    smtp: SmtpSettings | None
    channel_limits: dict[Literal["email", "webhook"], RateLimit]
    breaker: BreakerSettings

    @classmethod
    def of(cls, config: AlertingConfig, **edit: Any) -> PutSettings:
        return cls(**{k: getattr(config, k) for k in SETTINGS}, **edit)


def settings_of(config: AlertingConfig) -> dict[str, Any]:
    return config.model_dump(mode="json", include=set(SETTINGS))


ConfigEdit = PutRule | DeleteRule | PutTarget | DeleteTarget | PutSettings


class AlertingConfigReply(BaseModel):
    """The version in force after the request. A refused edit names why, and the field at fault
    when there is one (``id``, ``targets``, …); nothing was saved then."""

    version: int
    config: AlertingConfig
    saved_by: str = ""
    saved_at: datetime | None = None
    error: str | None = None
    #: the same as a code and values (a console says it in its language); None from an older
    #: notifier
    error_phrase: Phrase | None = None
    field: str | None = None
    #: secret references the answering notifier cannot resolve on its machine, with the reason
    secret_problems: dict[str, str] = Field(default_factory=dict)


def config_event_data(version: int, config: AlertingConfig, *, origin: str, digest: str,
                      saved_by: str, saved_at: datetime) -> dict[str, Any]:
    """``SystemEvent(event_type="config").data`` announcing a saved version."""
    return {"config": CONFIG_NAME, "version": version, "document": config.model_dump(mode="json"),
            "origin": origin, "digest": digest, "saved_by": saved_by,
            "saved_at": saved_at.isoformat()}
