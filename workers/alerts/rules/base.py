"""What every rule kind shares: the subject of an alert, the condition a kind reports for it,
and the registry the engine finds a rule's kind in."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar
from zoneinfo import ZoneInfo

from workers.alerts.directory import CameraDirectory
from workers.contracts import CameraStatus, DetectionResult, SystemEvent
from workers.contracts.alerting import AlertRule
from workers.i18n import gettext_for


@dataclass(frozen=True)
class Subject:
    """What one alert is about."""

    camera_id: str | None = None
    zone_id: str | None = None
    #: a worker id or a queue name
    name: str | None = None


@dataclass(frozen=True)
class Condition:
    """How one subject a rule watches stands now."""

    subject: Subject
    #: whether the rule's condition holds for it
    holds: bool
    #: when it started to hold, if the observations know (else: when first seen holding)
    since: float | None
    #: the figure the condition is about (people present, crossings, messages), if one
    value: float | None
    #: what the alert says when raised
    message: str


@dataclass(frozen=True)
class QueueDepths:
    """Ready messages per queue, by topology name without namespace."""

    ready: dict[str, int]


#: what a rule kind may observe: a detection result, a camera status, a worker heartbeat
#: (``SystemEvent`` of type health) or a poll of queue depths
Observation = DetectionResult | CameraStatus | SystemEvent | QueueDepths


@dataclass(frozen=True)
class EngineSettings:
    #: a camera whose worker stops sending its status for this long counts as offline
    camera_silence_s: float = 10.0
    #: a camera worker unheard for this long no longer serves its group (three heartbeats)
    worker_silence_s: float = 15.0
    #: names of cameras, lines and zones for what alerts say; which cameras are saved
    directory: CameraDirectory = field(default_factory=CameraDirectory)


class OverLimit:
    """Which subjects of the ``_OverLimit`` rules (zone and site occupancy) are over their
    limit, with hysteresis: once over ``above``, a subject stays over until it holds
    ``above - hysteresis`` or fewer. The hold time and the cooldown are the engine's."""

    def __init__(self) -> None:
        self._over: set[Hashable] = set()

    def over(self, key: Hashable, n: int, above: int, hysteresis: int, fresh: bool) -> bool:
        limit = above - hysteresis if key in self._over else above
        over = fresh and n > limit
        if over:
            self._over.add(key)
        else:
            self._over.discard(key)
        return over


class RuleKind:
    """One kind of rule: what it keeps of the observations, and the conditions of a rule of its
    kind over them. One instance per engine, fed every observation."""

    rule_type: ClassVar[type[AlertRule]]

    def __init__(self, engine_settings: EngineSettings):
        self.settings = engine_settings
        #: the site's language, for the messages people read (``RuleEngine.set_language``)
        self._: Callable[[str], str] = gettext_for("en")
        #: the site's time zone, for times of day (``RuleEngine.set_timezone``)
        self.tz = ZoneInfo("UTC")

    def use(self, rules: list[AlertRule]) -> None:
        """The rules of this kind now in force (what to keep depends on their periods)."""

    def observe(self, seen: Observation, now: float) -> None:
        """Keep what this kind needs of ``seen``; ignore the rest."""

    def conditions(self, rule: AlertRule, now: float) -> Iterator[Condition]:
        raise NotImplementedError

    def adopt(self, rule: AlertRule, subject: Subject, raised_ago_s: float, now: float) -> bool:
        """An alert left open by an earlier run: True when this kind now knows enough of its
        subject to judge it, False when the engine must wait for news of it."""
        return False

    def forget_old(self, now: float) -> None:
        """Drop observations older than any rule of this kind looks back."""


K = TypeVar("K", bound=type[RuleKind])

#: rule kinds by the ``kind`` of their rules
KINDS: dict[str, type[RuleKind]] = {}


def register(cls: K) -> K:
    KINDS[cls.rule_type.model_fields["kind"].default] = cls
    return cls


def watched(ids: list[str], value: str) -> bool:
    return not ids or value in ids


def span(seconds: float, _: Callable[[str], str]) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return _("%(n)s h") % {"n": f"{seconds / 3600:g}"}
    if seconds >= 60 and seconds % 60 == 0:
        return _("%(n)s min") % {"n": f"{seconds / 60:g}"}
    return _("%(n)s s") % {"n": f"{seconds:g}"}
