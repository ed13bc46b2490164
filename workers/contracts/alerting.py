"""Alert rules and notification targets: what an admin configures, in one document.

The document is read from a JSON file (``notifications.json``, see docs/notifications.md) by the
rule engine and the notifier. Secrets never appear in it, only where to find them
(``env:NAME`` or ``keyring:service/name``), so the document can be shown, sent and stored.
"""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from workers.contracts.phrases import refuse

Severity = Literal["info", "warning", "critical"]
#: the languages of notification texts and reports (workers/i18n)
Language = Literal["en", "vi", "ru", "ko"]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
#: where a secret is kept: ``env:VARIABLE`` or ``keyring:service/username``
SecretRef = Annotated[str, Field(pattern=r"^(env:[A-Za-z_][A-Za-z0-9_]*|keyring:[^/]+/.+)$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RateLimit(_Model):
    """At most ``count`` sends per ``per_seconds``; more are delayed, never dropped."""

    count: int = Field(ge=1)
    per_seconds: float = Field(default=60.0, gt=0)

    def __str__(self) -> str:
        return f"{self.count} per {self.per_seconds:g} s"


# -- targets ------------------------------------------------------------------------------------
class EmailTarget(_Model):
    id: Id
    channel: Literal["email"] = "email"
    name: str = ""
    recipients: list[EmailStr] = Field(min_length=1)
    cc: list[EmailStr] = Field(default_factory=list)
    rate_limit: RateLimit | None = None


class WebhookTarget(_Model):
    id: Id
    channel: Literal["webhook"] = "webhook"
    name: str = ""
    url: AnyHttpUrl
    #: the HMAC-SHA256 key the receiver verifies ``X-CamCount-Signature`` with
    secret: SecretRef
    headers: dict[str, str] = Field(default_factory=dict)
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    max_attempts: int = Field(default=3, ge=1, le=10)
    rate_limit: RateLimit | None = None


Target = Annotated[EmailTarget | WebhookTarget, Field(discriminator="channel")]


# -- rules --------------------------------------------------------------------------------------
class _Rule(_Model):
    id: Id
    name: str = ""
    enabled: bool = True
    severity: Severity = "warning"
    #: after an alert of this rule for one camera/zone/queue, no new one for it within this time
    cooldown_seconds: float = Field(default=300.0, ge=0)
    #: ids of the notification targets told when it is raised (and resolved)
    targets: list[str] = Field(default_factory=list)
    notify_resolved: bool = True


class _OverLimit(_Rule):
    """More people than allowed for at least ``for_seconds``; once over, not over again until
    ``above - hysteresis`` or fewer (so a crowd at the limit does not flicker the alert on and
    off). What is counted, and where the limit comes from, is the kind's."""

    for_seconds: float = Field(default=30.0, ge=0)
    hysteresis: int = Field(default=0, ge=0)
    #: a subject whose cameras sent no result for this long counts as not occupied (no data)
    stale_seconds: float = Field(default=10.0, gt=0)


class ZoneOccupancyRule(_OverLimit):
    """A zone holds more than ``above`` for at least ``for_seconds``."""

    kind: Literal["zone_occupancy"] = "zone_occupancy"
    #: empty: every camera / every zone
    cameras: list[str] = Field(default_factory=list)
    zones: list[str] = Field(default_factory=list)
    above: int = Field(ge=0)


class SiteOccupancyRule(_OverLimit):
    """A site (a stored set of doors and zones, ``workers.contracts.sites``) holds more than
    ``above`` for at least ``for_seconds``: its corrected figure when it has an average visit,
    else its raw one."""

    kind: Literal["site_occupancy"] = "site_occupancy"
    #: site ids; empty: every site
    sites: list[str] = Field(default_factory=list)
    #: None: each site's own maximum occupancy (a site without one is not watched)
    above: int | None = Field(default=None, ge=0)


class CrossingsRule(_Rule):
    """Line crossings of a camera within a sliding period above ``above`` or below ``below``."""

    kind: Literal["crossings"] = "crossings"
    cameras: list[str] = Field(default_factory=list)
    lines: list[str] = Field(default_factory=list)
    direction: Literal["in", "out", "both"] = "both"
    period_seconds: float = Field(gt=0)
    above: int | None = Field(default=None, ge=0)
    below: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _a_bound(self) -> CrossingsRule:
        if self.above is None and self.below is None:
            raise refuse("crossings_needs_bound")
        return self


class CameraOfflineRule(_Rule):
    """A camera not online, or online but with no new frame, for more than ``for_seconds``."""

    kind: Literal["camera_offline"] = "camera_offline"
    cameras: list[str] = Field(default_factory=list)
    for_seconds: float = Field(default=30.0, ge=0)


class WorkerSilentRule(_Rule):
    """A worker that sent heartbeats and then none for ``for_seconds`` (a clean stop is not
    silence: the worker says goodbye)."""

    kind: Literal["worker_silent"] = "worker_silent"
    #: empty: every role
    roles: list[str] = Field(default_factory=list)
    for_seconds: float = Field(default=30.0, gt=0)


class QueueDepthRule(_Rule):
    """A queue holding more than ``above`` ready messages for ``for_seconds``."""

    kind: Literal["queue_depth"] = "queue_depth"
    #: topology names without the namespace, e.g. ``camera.detection.results``
    queues: list[str] = Field(min_length=1)
    above: int = Field(ge=0)
    for_seconds: float = Field(default=60.0, ge=0)


class ErrorQueueRule(_Rule):
    """``dead.letter.error`` grew by at least ``min_growth`` within ``period_seconds``."""

    kind: Literal["error_queue_growing"] = "error_queue_growing"
    min_growth: int = Field(default=1, ge=1)
    period_seconds: float = Field(default=300.0, gt=0)


class RouteRule(_Rule):
    """More than ``above`` people completed a route of a camera within a sliding period
    ("more than 20 from the platform to the exit in 5 minutes"): one alert per camera and
    route."""

    kind: Literal["route"] = "route"
    cameras: list[str] = Field(default_factory=list)
    #: route ids; empty: every route
    routes: list[str] = Field(default_factory=list)
    period_seconds: float = Field(gt=0)
    above: int = Field(ge=0)


AlertRule = Annotated[
    ZoneOccupancyRule | SiteOccupancyRule | CrossingsRule | CameraOfflineRule | WorkerSilentRule
    | QueueDepthRule | ErrorQueueRule | RouteRule,
    Field(discriminator="kind"),
]


# -- delivery settings --------------------------------------------------------------------------
class SmtpSettings(_Model):
    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    #: starttls: plain connection upgraded (port 587); tls: TLS from the start (port 465)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: SecretRef | None = None
    sender: str = Field(min_length=3)
    timeout_seconds: float = Field(default=30.0, gt=0)
    #: a CA bundle to verify the server with (a site's own CA); default: the system's
    ca_file: str | None = None


class BreakerSettings(_Model):
    """After ``failures`` failed sends in a row a target is paused for ``open_seconds``; then one
    probe is let through, and its success resumes the target."""

    failures: int = Field(default=5, ge=1)
    open_seconds: float = Field(default=60.0, gt=0)


class AlertingConfig(_Model):
    #: the site's time zone: times in emails, and "07:00" for scheduled reports
    timezone: str = "UTC"
    #: the site's language: notification texts and report headings (workers/i18n)
    language: Language = "en"
    smtp: SmtpSettings | None = None
    #: limits over all targets of a channel (a mail relay's own quota)
    channel_limits: dict[Literal["email", "webhook"], RateLimit] = Field(default_factory=dict)
    breaker: BreakerSettings = Field(default_factory=BreakerSettings)
    targets: list[Target] = Field(default_factory=list)
    rules: list[AlertRule] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise refuse("unknown_time_zone", name=v) from exc
        return v

    @model_validator(mode="after")
    def _references(self) -> AlertingConfig:
        for what, ids in (("target", [t.id for t in self.targets]), ("rule", [r.id for r in self.rules])):
            if dupes := sorted({i for i in ids if ids.count(i) > 1}):
                raise refuse(f"{what}_ids_twice", ids=", ".join(dupes))
        known = {t.id for t in self.targets}
        for rule in self.rules:
            if missing := [t for t in rule.targets if t not in known]:
                raise refuse("rule_unknown_targets", rule=rule.id, targets=", ".join(missing))
        if self.smtp is None and any(t.channel == "email" for t in self.targets):
            raise refuse("email_needs_smtp")
        return self

    def target(self, target_id: str) -> EmailTarget | WebhookTarget | None:
        return next((t for t in self.targets if t.id == target_id), None)
