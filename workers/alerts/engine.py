"""The rule engine: observations in, "raise" and "resolve" out. No bus, no clock of its own.

Every rule watches subjects (a camera, a zone of a camera, a worker, a queue). A subject's
condition must hold for the rule's ``for_seconds`` before an alert is raised; the alert stays
open, once, while it holds, and is resolved when it ends. After a raise, the same rule raises
nothing for the same subject within ``cooldown_seconds`` (a flapping condition alerts once); if
the condition still holds when the cooldown ends, it is raised then.

What a rule watches and when its condition holds is its kind's (``workers.alerts.rules``, one
module per kind); the engine keeps the episodes, raises and resolves.

Times are monotonic seconds from the caller, so tests drive the engine with any clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from workers.alerts.directory import CameraDirectory
from workers.alerts.rules import KINDS, QueueDepths, RuleKind, Subject
from workers.alerts.rules.base import EngineSettings, Observation
from workers.contracts import CameraStatus, DetectionResult, SystemEvent
from workers.contracts.alerting import AlertRule
from workers.i18n import gettext_for

__all__ = ["Change", "Episode", "RuleEngine", "Subject"]


@dataclass(frozen=True)
class Change:
    action: Literal["raise", "resolve"]
    rule: AlertRule
    subject: Subject
    message: str
    value: float | None = None
    #: how long the condition held (on a resolve: from its start to its end)
    held_s: float = 0.0


@dataclass
class Episode:
    """One rule's state for one subject."""

    bad_since: float | None = None
    active: bool = False
    last_raised: float | None = None

    def update(self, bad: bool, now: float, hold: float, cooldown: float,
               since: float | None = None) -> Literal["raise", "resolve"] | None:
        """``since``: when the condition started, if the observation knows (else: now)."""
        if not bad:
            self.bad_since = None
            if self.active:
                self.active = False
                return "resolve"
            return None
        if self.bad_since is None:
            self.bad_since = now if since is None else min(since, now)
        cooled = self.last_raised is None or now - self.last_raised >= cooldown
        if not self.active and now - self.bad_since >= hold and cooled:
            self.active, self.last_raised = True, now
            return "raise"
        return None


class RuleEngine:
    def __init__(self, rules: list[AlertRule], *, camera_silence_s: float = 10.0,
                 adopted_unheard_s: float = 60.0, worker_silence_s: float = 15.0,
                 directory: CameraDirectory | None = None):
        """``camera_silence_s``: a camera whose worker stops sending its status for this long
        counts as offline from then (camera workers report every few seconds).
        ``adopted_unheard_s``: an alert taken over from an earlier run stays open this long
        waiting for news of its subject, then is closed as unknown.
        ``worker_silence_s``: a camera worker unheard for this long no longer serves its group.
        ``directory``: the saved cameras and the names alerts use (kept current by the caller)."""
        self.camera_silence_s = camera_silence_s
        self.adopted_unheard_s = adopted_unheard_s
        self.directory = directory if directory is not None else CameraDirectory()
        settings = EngineSettings(camera_silence_s=camera_silence_s,
                                  worker_silence_s=worker_silence_s, directory=self.directory)
        #: every kind, fed every observation (a rule added later judges what was seen before)
        self._kinds: dict[str, RuleKind] = {k: kind(settings) for k, kind in KINDS.items()}
        #: alerts taken over whose subject has not been observed since: when they were adopted
        self._adopted: dict[tuple[str, Subject], float] = {}
        self.rules: list[AlertRule] = []
        self._episodes: dict[tuple[str, Subject], Episode] = {}
        #: the message each open alert was raised with
        self._held: dict[tuple[str, Subject], str] = {}
        self._ = gettext_for("en")
        self.set_rules(rules, 0.0)

    def set_language(self, lang: str) -> None:
        """The language of the messages from now on (the site's: ``AlertingConfig.language``);
        an alert already raised keeps the words it was raised with."""
        self._ = gettext_for(lang)
        for kind in self._kinds.values():
            kind._ = self._

    def kind(self, name: str) -> RuleKind:
        """The kind of rules named ``name`` (what it keeps of the observations)."""
        return self._kinds[name]

    def set_timezone(self, name: str) -> None:
        """The site's time zone (``AlertingConfig.timezone``), for times of day such as a
        site's closing time."""
        tz = ZoneInfo(name)
        for kind in self._kinds.values():
            kind.tz = tz

    def set_rules(self, rules: list[AlertRule], now: float) -> list[Change]:
        """Apply new rules, keeping what has been observed. A rule kept by id keeps its open
        alerts, judged by its new terms from the next evaluation; the open alerts of a rule that
        is gone (removed or disabled) are resolved, returned here."""
        old = {r.id: r for r in self.rules}
        self.rules = [r for r in rules if r.enabled]
        kept = {r.id for r in self.rules}
        changes = []
        for key, ep in list(self._episodes.items()):
            if key[0] in kept:
                continue
            del self._episodes[key]
            self._adopted.pop(key, None)
            raised = self._held.pop(key, "")
            if ep.active and key[0] in old:
                changes.append(Change("resolve", old[key[0]], key[1],
                                      self._("Closed, its rule was removed or disabled: "
                                             "%(raised)s") % {"raised": raised}))
        for name, kind in self._kinds.items():
            kind.use([r for r in self.rules if r.kind == name])
        return changes

    def adopt(self, rule_id: str, subject: Subject, message: str, raised_ago_s: float,
              now: float) -> bool:
        """Take over an alert left open by an earlier run (read from storage): it stays open
        while its condition holds and is resolved when it ends. False for an unknown rule."""
        rule = next((r for r in self.rules if r.id == rule_id), None)
        if rule is None:
            return False
        key = (rule_id, subject)
        self._episodes[key] = Episode(bad_since=now - raised_ago_s, active=True,
                                      last_raised=now - raised_ago_s)
        self._held[key] = message
        if not self._kinds[rule.kind].adopt(rule, subject, raised_ago_s, now):
            # no news of the subject yet (occupancy, crossings, queues): not resolved for
            # lack of it before adopted_unheard_s
            self._adopted[key] = now
        return True

    def remember(self, rule_id: str, subject: Subject, raised_ago_s: float, now: float) -> None:
        """An alert an earlier run raised and saw resolved: its cooldown goes on, so a restart
        does not raise the same alert again at once."""
        if any(r.id == rule_id for r in self.rules):
            episode = self._episodes.setdefault((rule_id, subject), Episode())
            raised = now - raised_ago_s
            episode.last_raised = max(episode.last_raised or raised, raised)

    def needs(self, kind: type) -> bool:
        return any(isinstance(r, kind) for r in self.rules)

    # -- observations ---------------------------------------------------------------------------
    def observe(self, seen: Observation, now: float) -> None:
        for kind in self._kinds.values():
            kind.observe(seen, now)

    def on_result(self, result: DetectionResult, now: float) -> None:
        self.observe(result, now)

    def on_status(self, status: CameraStatus, now: float) -> None:
        self.observe(status, now)

    def on_health(self, event: SystemEvent, now: float) -> None:
        self.observe(event, now)

    def on_depths(self, depths: dict[str, int], now: float) -> None:
        """Ready messages per queue, by topology name without namespace."""
        self.observe(QueueDepths(depths), now)

    # -- evaluation -----------------------------------------------------------------------------
    def evaluate(self, now: float) -> list[Change]:
        for kind in self._kinds.values():
            kind.forget_old(now)
        changes: list[Change] = []
        for rule in self.rules:
            seen: set[Subject] = set()
            for c in self._kinds[rule.kind].conditions(rule, now):
                seen.add(c.subject)
                changes += self._step(rule, c.subject, c.holds, now, c.since, c.value, c.message)
            for subject in seen:
                self._adopted.pop((rule.id, subject), None)
            # subjects that disappeared (a worker that said goodbye) are no longer in trouble
            for (rule_id, subject), ep in list(self._episodes.items()):
                if rule_id == rule.id and subject not in seen and ep.active:
                    changes += self._unseen(rule, subject, now)
        return changes

    def _unseen(self, rule: AlertRule, subject: Subject, now: float) -> list[Change]:
        key = (rule.id, subject)
        adopted_at = self._adopted.get(key)
        if adopted_at is None:
            return self._step(rule, subject, False, now, None, None, "")
        if now - adopted_at < self.adopted_unheard_s:
            return []  # taken over from an earlier run: wait for news before judging
        del self._adopted[key], self._episodes[key]
        raised = self._held.pop(key, "")
        return [Change("resolve", rule, subject,
                       self._("Closed, nothing heard of it for %(seconds)s s since the alert "
                              "engine restarted: %(raised)s") % {
                           "seconds": f"{now - adopted_at:.0f}", "raised": raised})]

    def _step(self, rule: AlertRule, subject: Subject, bad: bool, now: float,
              since: float | None, value: float | None, message: str) -> list[Change]:
        key = (rule.id, subject)
        ep = self._episodes.setdefault(key, Episode())
        hold = getattr(rule, "for_seconds", 0.0)
        started = ep.bad_since
        action = ep.update(bad, now, hold, rule.cooldown_seconds, since)
        if action == "raise":
            self._held[key] = message
            return [Change("raise", rule, subject, message, value, now - (ep.bad_since or now))]
        if action == "resolve":
            raised = self._held.pop(key, "")
            held = now - started if started is not None else 0.0
            return [Change("resolve", rule, subject, self._("Resolved after %(seconds)s s: "
                                                            "%(raised)s") % {
                "seconds": f"{held:.0f}", "raised": raised}, value, held)]
        return []
