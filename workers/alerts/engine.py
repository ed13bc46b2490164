"""The rule engine: observations in, "raise" and "resolve" out. No bus, no clock of its own.

Every rule watches subjects (a camera, a zone of a camera, a worker, a queue). A subject's
condition must hold for the rule's ``for_seconds`` before an alert is raised; the alert stays
open, once, while it holds, and is resolved when it ends. After a raise, the same rule raises
nothing for the same subject within ``cooldown_seconds`` (a flapping condition alerts once); if
the condition still holds when the cooldown ends, it is raised then.

Times are monotonic seconds from the caller, so tests drive the engine with any clock.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from workers.contracts import CameraStatus, DetectionResult, SystemEvent
from workers.contracts.alerting import (
    AlertRule,
    CameraOfflineRule,
    CrossingsRule,
    ErrorQueueRule,
    QueueDepthRule,
    WorkerSilentRule,
    ZoneOccupancyRule,
)

ERROR_QUEUE = "dead.letter.error"


@dataclass(frozen=True)
class Subject:
    """What one alert is about."""

    camera_id: str | None = None
    zone_id: str | None = None
    #: a worker id or a queue name
    name: str | None = None


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


@dataclass
class _Camera:
    state: str = "online"
    detail: str = ""
    changed_at: float = 0.0
    heard_at: float = 0.0


@dataclass
class _Worker:
    role: str
    heard_at: float


@dataclass
class _Crossings:
    first_seen: float
    #: (received at, line id, direction)
    events: deque[tuple[float, str, str]] = field(default_factory=deque)


class RuleEngine:
    def __init__(self, rules: list[AlertRule], *, camera_silence_s: float = 10.0,
                 adopted_unheard_s: float = 60.0):
        """``camera_silence_s``: a camera whose worker stops sending its status for this long
        counts as offline from then (camera workers report every few seconds).
        ``adopted_unheard_s``: an alert taken over from an earlier run stays open this long
        waiting for news of its subject, then is closed as unknown."""
        self.camera_silence_s = camera_silence_s
        self.adopted_unheard_s = adopted_unheard_s
        #: alerts taken over whose subject has not been observed since: when they were adopted
        self._adopted: dict[tuple[str, Subject], float] = {}
        self.rules: list[AlertRule] = []
        self._episodes: dict[tuple[str, Subject], Episode] = {}
        #: the message each open alert was raised with
        self._held: dict[tuple[str, Subject], str] = {}
        self._occupancy: dict[tuple[str, str], tuple[int, float]] = {}
        self._crossings: dict[str, _Crossings] = {}
        self._cameras: dict[str, _Camera] = {}
        self._workers: dict[str, _Worker] = {}
        self._depths: dict[str, int] = {}
        self._error_depths: deque[tuple[float, int]] = deque()
        self.set_rules(rules, 0.0)

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
                                      f"Closed, its rule was removed or disabled: {raised}"))
        self._keep_crossings_s = max((r.period_seconds for r in self.rules
                                      if isinstance(r, CrossingsRule)), default=0.0)
        self._keep_errors_s = max((r.period_seconds for r in self.rules
                                   if isinstance(r, ErrorQueueRule)), default=0.0)
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
        if isinstance(rule, CameraOfflineRule) and subject.camera_id is not None \
                and subject.camera_id not in self._cameras:
            # heard of now: resolved by its next "online" status, still offline if none comes
            # within camera_silence_s
            self._cameras[subject.camera_id] = _Camera("online", "", now, now)
        elif isinstance(rule, WorkerSilentRule) and subject.name is not None \
                and subject.name not in self._workers:
            # silent since before the alert: stays open until the worker beats again (its real
            # role comes with that heartbeat; any role the rule watches stands in until then)
            self._workers[subject.name] = _Worker(rule.roles[0] if rule.roles else "?",
                                                  now - raised_ago_s - rule.for_seconds)
        else:
            # no news of the subject yet (occupancy, crossings, queues): not resolved for
            # lack of it before adopted_unheard_s
            self._adopted[key] = now
        return True

    def needs(self, kind: type) -> bool:
        return any(isinstance(r, kind) for r in self.rules)

    # -- observations ---------------------------------------------------------------------------
    def on_result(self, result: DetectionResult, now: float) -> None:
        cam = result.camera_id
        for zone_id, zone in result.counting_data.zone_analysis.items():
            self._occupancy[(cam, zone_id)] = (zone.occupancy, now)
        if self._keep_crossings_s:
            seen = self._crossings.setdefault(cam, _Crossings(first_seen=now))
            seen.events.extend((now, e.shape_id, e.direction)
                               for e in result.counting_data.events if e.kind == "line")

    def on_status(self, status: CameraStatus, now: float) -> None:
        cam = self._cameras.get(status.camera_id)
        if cam is None:
            cam = self._cameras[status.camera_id] = _Camera(status.state, status.detail, now, now)
        elif cam.state != status.state:
            cam.state, cam.changed_at = status.state, now
        cam.detail, cam.heard_at = status.detail, now

    def on_health(self, event: SystemEvent, now: float) -> None:
        if event.data.get("state") == "stopped":  # a clean stop is a goodbye, not silence
            self._workers.pop(event.source, None)
        else:
            self._workers[event.source] = _Worker(str(event.data.get("role", "?")), now)

    def on_depths(self, depths: dict[str, int], now: float) -> None:
        """Ready messages per queue, by topology name without namespace."""
        self._depths = depths
        if ERROR_QUEUE in depths and self._keep_errors_s:
            self._error_depths.append((now, depths[ERROR_QUEUE]))

    # -- evaluation -----------------------------------------------------------------------------
    def evaluate(self, now: float) -> list[Change]:
        self._forget_old(now)
        changes: list[Change] = []
        for rule in self.rules:
            seen: set[Subject] = set()
            for subject, bad, since, value, message in self._conditions(rule, now):
                seen.add(subject)
                changes += self._step(rule, subject, bad, now, since, value, message)
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
                       f"Closed, nothing heard of it for {now - adopted_at:.0f} s since the "
                       f"alert engine restarted: {raised}")]

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
            return [Change("resolve", rule, subject, f"Resolved after {held:.0f} s: {raised}",
                           value, held)]
        return []

    def _conditions(self, rule: AlertRule, now: float
                    ) -> Iterator[tuple[Subject, bool, float | None, float | None, str]]:
        """(subject, condition holds, since when if known, value, message) per watched subject."""
        if isinstance(rule, ZoneOccupancyRule):
            for (cam, zone), (n, at) in self._occupancy.items():
                if _watched(rule.cameras, cam) and _watched(rule.zones, zone):
                    fresh = now - at <= rule.stale_seconds
                    yield (Subject(cam, zone), fresh and n > rule.above, None, n,
                           f"Zone {zone} on camera {cam}: {n} present, more than {rule.above} "
                           f"for {rule.for_seconds:g} s")
        elif isinstance(rule, CrossingsRule):
            for cam, seen in self._crossings.items():
                if not _watched(rule.cameras, cam):
                    continue
                n = sum(1 for at, line, direction in seen.events
                        if now - at <= rule.period_seconds and _watched(rule.lines, line)
                        and rule.direction in ("both", direction))
                high = rule.above is not None and n > rule.above
                # "too few" only once a whole period has been watched
                low = (rule.below is not None and n < rule.below
                       and now - seen.first_seen >= rule.period_seconds)
                what = (f"more than {rule.above}" if high else f"fewer than {rule.below}")
                yield (Subject(cam), high or low, None, n,
                       f"Camera {cam}: {n} crossings in the last {_span(rule.period_seconds)}, "
                       f"{what}")
        elif isinstance(rule, CameraOfflineRule):
            for cam_id, cam in self._cameras.items():
                if not _watched(rule.cameras, cam_id):
                    continue
                silent_since = cam.heard_at + self.camera_silence_s
                if cam.state != "online":
                    bad, since = True, cam.changed_at
                    why = cam.state + (f" ({cam.detail})" if cam.detail else "")
                elif now >= silent_since:
                    bad, since, why = True, silent_since, "silent (its camera worker stopped reporting)"
                else:
                    bad, since, why = False, None, ""
                yield (Subject(cam_id), bad, since, None,
                       f"Camera {cam_id} {why} for more than {rule.for_seconds:g} s")
        elif isinstance(rule, WorkerSilentRule):
            for worker_id, w in self._workers.items():
                if _watched(rule.roles, w.role):
                    yield (Subject(name=worker_id), now - w.heard_at >= rule.for_seconds,
                           w.heard_at,
                           now - w.heard_at,
                           f"Worker {worker_id} ({w.role}) silent for more than "
                           f"{rule.for_seconds:g} s")
        elif isinstance(rule, QueueDepthRule):
            for name in rule.queues:
                if name in self._depths:
                    n = self._depths[name]
                    yield (Subject(name=name), n > rule.above, None, n,
                           f"Queue {name} holds {n} messages, more than {rule.above}")
        elif isinstance(rule, ErrorQueueRule) and self._error_depths:
            # growth since the newest sample at least a period old (else since the first)
            base = self._error_depths[0][1]
            for at, depth in self._error_depths:
                if now - at < rule.period_seconds:
                    break
                base = depth
            last = self._error_depths[-1][1]
            yield (Subject(name=ERROR_QUEUE), last - base >= rule.min_growth, None, last - base,
                   f"Error queue grew by {last - base} in {_span(rule.period_seconds)} "
                   f"({last} messages): see the dead-letter review")

    def _forget_old(self, now: float) -> None:
        for seen in self._crossings.values():
            while seen.events and now - seen.events[0][0] > self._keep_crossings_s:
                seen.events.popleft()
        # keep one sample older than the period: the growth is measured from it
        while len(self._error_depths) > 1 and now - self._error_depths[1][0] > self._keep_errors_s:
            self._error_depths.popleft()


def _watched(ids: list[str], value: str) -> bool:
    return not ids or value in ids


def _span(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"
