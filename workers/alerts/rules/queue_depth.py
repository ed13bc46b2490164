"""``queue_depth``: a queue holding more ready messages than allowed."""

from __future__ import annotations

from collections.abc import Iterator

from workers.alerts.rules.base import (
    Condition,
    EngineSettings,
    Observation,
    QueueDepths,
    RuleKind,
    Subject,
    register,
)
from workers.contracts.alerting import AlertRule, QueueDepthRule


@register
class QueueDepth(RuleKind):
    rule_type = QueueDepthRule

    def __init__(self, engine_settings: EngineSettings):
        super().__init__(engine_settings)
        self._depths: dict[str, int] = {}

    def observe(self, seen: Observation, now: float) -> None:
        if isinstance(seen, QueueDepths):
            self._depths = seen.ready

    def conditions(self, rule: AlertRule, now: float) -> Iterator[Condition]:
        assert isinstance(rule, QueueDepthRule)
        for name in rule.queues:
            if name in self._depths:
                n = self._depths[name]
                yield Condition(Subject(name=name), n > rule.above, None, n,
                                self._("Queue %(queue)s holds %(n)s messages, more than "
                                       "%(above)s") % {"queue": name, "n": n,
                                                       "above": rule.above})
