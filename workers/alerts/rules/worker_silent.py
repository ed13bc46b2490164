"""``worker_silent``: a worker whose heartbeats stopped (a clean stop is a goodbye, not
silence)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from workers.alerts.rules.base import (
    Condition,
    EngineSettings,
    Observation,
    RuleKind,
    Subject,
    register,
    watched,
)
from workers.contracts import SystemEvent
from workers.contracts.alerting import AlertRule, WorkerSilentRule


@dataclass
class _Heard:
    role: str
    heard_at: float


@register
class WorkerSilent(RuleKind):
    rule_type = WorkerSilentRule

    def __init__(self, engine_settings: EngineSettings):
        super().__init__(engine_settings)
        self._workers: dict[str, _Heard] = {}

    def observe(self, seen: Observation, now: float) -> None:
        if not isinstance(seen, SystemEvent) or seen.event_type != "health":
            return
        if seen.data.get("state") == "stopped":
            self._workers.pop(seen.source, None)
        else:
            self._workers[seen.source] = _Heard(str(seen.data.get("role", "?")), now)

    def conditions(self, rule: AlertRule, now: float) -> Iterator[Condition]:
        assert isinstance(rule, WorkerSilentRule)
        for worker_id, w in self._workers.items():
            if watched(rule.roles, w.role):
                yield Condition(Subject(name=worker_id), now - w.heard_at >= rule.for_seconds,
                                w.heard_at, now - w.heard_at,
                                self._("Worker %(worker)s (%(role)s) silent for more than "
                                       "%(seconds)s s") % {"worker": worker_id, "role": w.role,
                                                           "seconds": f"{rule.for_seconds:g}"})

    def adopt(self, rule: AlertRule, subject: Subject, raised_ago_s: float, now: float) -> bool:
        assert isinstance(rule, WorkerSilentRule)
        if subject.name is None or subject.name in self._workers:
            return False
        # silent since before the alert: stays open until the worker beats again (its real role
        # comes with that heartbeat; any role the rule watches stands in until then)
        self._workers[subject.name] = _Heard(rule.roles[0] if rule.roles else "?",
                                             now - raised_ago_s - rule.for_seconds)
        return True
