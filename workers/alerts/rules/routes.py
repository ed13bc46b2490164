"""``route``: more people than allowed completed a route within a period."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from workers.alerts.rules.base import (
    Condition,
    EngineSettings,
    Observation,
    RuleKind,
    Subject,
    register,
    span,
    watched,
)
from workers.contracts import DetectionResult
from workers.contracts.alerting import AlertRule, RouteRule


@register
class Routes(RuleKind):
    rule_type = RouteRule

    def __init__(self, engine_settings: EngineSettings):
        super().__init__(engine_settings)
        #: (camera, route) -> when each completion was heard
        self._done: dict[tuple[str, str], deque[float]] = {}
        self._keep_s = 0.0

    def use(self, rules: list[AlertRule]) -> None:
        self._keep_s = max((r.period_seconds for r in rules if isinstance(r, RouteRule)),
                           default=0.0)

    def observe(self, seen: Observation, now: float) -> None:
        if isinstance(seen, DetectionResult) and self._keep_s:
            for e in seen.counting_data.events:
                if e.kind == "route":
                    self._done.setdefault((seen.camera_id, e.shape_id), deque()).append(now)

    def conditions(self, rule: AlertRule, now: float) -> Iterator[Condition]:
        assert isinstance(rule, RouteRule)
        names = self.settings.directory
        for (cam, route), times in self._done.items():
            if watched(rule.cameras, cam) and watched(rule.routes, route):
                n = sum(1 for t in times if now - t <= rule.period_seconds)
                yield Condition(Subject(cam, route), n > rule.above, None, n,
                                self._("Route %(route)s on camera %(camera)s: %(n)s people in "
                                       "the last %(span)s, more than %(above)s") % {
                                    "route": names.shape(cam, route), "camera": names.camera(cam),
                                    "n": n, "above": rule.above,
                                    "span": span(rule.period_seconds, self._)})

    def forget_old(self, now: float) -> None:
        for times in self._done.values():
            while times and now - times[0] > self._keep_s:
                times.popleft()
