"""``error_queue_growing``: the error queue grew by at least so many messages within a
period."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from workers.alerts.rules.base import (
    Condition,
    EngineSettings,
    Observation,
    QueueDepths,
    RuleKind,
    Subject,
    register,
    span,
)
from workers.contracts.alerting import AlertRule, ErrorQueueRule

ERROR_QUEUE = "dead.letter.error"


@register
class ErrorQueueGrowing(RuleKind):
    rule_type = ErrorQueueRule

    def __init__(self, engine_settings: EngineSettings):
        super().__init__(engine_settings)
        #: (when, depth) samples of the error queue
        self._depths: deque[tuple[float, int]] = deque()
        #: the longest period a rule looks back (0: no rule, nothing kept)
        self._keep_s = 0.0

    def use(self, rules: list[AlertRule]) -> None:
        self._keep_s = max((r.period_seconds for r in rules if isinstance(r, ErrorQueueRule)),
                           default=0.0)

    def observe(self, seen: Observation, now: float) -> None:
        if isinstance(seen, QueueDepths) and ERROR_QUEUE in seen.ready and self._keep_s:
            self._depths.append((now, seen.ready[ERROR_QUEUE]))

    def conditions(self, rule: AlertRule, now: float) -> Iterator[Condition]:
        assert isinstance(rule, ErrorQueueRule)
        if not self._depths:
            return
        # growth since the newest sample at least a period old (else since the first)
        base = self._depths[0][1]
        for at, depth in self._depths:
            if now - at < rule.period_seconds:
                break
            base = depth
        last = self._depths[-1][1]
        yield Condition(Subject(name=ERROR_QUEUE), last - base >= rule.min_growth, None,
                        last - base, self._("Error queue grew by %(n)s in %(span)s (%(total)s "
                                            "messages): see the dead-letter review") % {
                            "n": last - base, "span": span(rule.period_seconds, self._),
                            "total": last})

    def forget_old(self, now: float) -> None:
        # keep one sample older than the period: the growth is measured from it
        while len(self._depths) > 1 and now - self._depths[1][0] > self._keep_s:
            self._depths.popleft()
