"""``crossings``: too many, or too few, line crossings on a camera within a period."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

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
from workers.contracts.alerting import AlertRule, CrossingsRule


@dataclass
class _Seen:
    first_seen: float
    #: (received at, line id, direction)
    events: deque[tuple[float, str, str]] = field(default_factory=deque)


@register
class Crossings(RuleKind):
    rule_type = CrossingsRule

    def __init__(self, engine_settings: EngineSettings):
        super().__init__(engine_settings)
        self._cameras: dict[str, _Seen] = {}
        #: the longest period a rule looks back (0: no rule, nothing kept)
        self._keep_s = 0.0

    def use(self, rules: list[AlertRule]) -> None:
        self._keep_s = max((r.period_seconds for r in rules if isinstance(r, CrossingsRule)),
                           default=0.0)

    def observe(self, seen: Observation, now: float) -> None:
        if isinstance(seen, DetectionResult) and self._keep_s:
            camera = self._cameras.setdefault(seen.camera_id, _Seen(first_seen=now))
            camera.events.extend((now, e.shape_id, e.direction)
                                 for e in seen.counting_data.events if e.kind == "line")

    def conditions(self, rule: AlertRule, now: float) -> Iterator[Condition]:
        assert isinstance(rule, CrossingsRule)
        for cam, seen in self._cameras.items():
            if not watched(rule.cameras, cam):
                continue
            n = sum(1 for at, line, direction in seen.events
                    if now - at <= rule.period_seconds and watched(rule.lines, line)
                    and rule.direction in ("both", direction))
            high = rule.above is not None and n > rule.above
            # "too few" only once a whole period has been watched
            low = (rule.below is not None and n < rule.below
                   and now - seen.first_seen >= rule.period_seconds)
            what = (self._("more than %(n)s") % {"n": rule.above} if high
                    else self._("fewer than %(n)s") % {"n": rule.below})
            yield Condition(Subject(cam), high or low, None, n,
                            self._("Camera %(camera)s: %(n)s crossings in the last %(span)s, "
                                   "%(what)s") % {"camera": self.settings.directory.camera(cam),
                                                  "n": n, "what": what,
                                                  "span": span(rule.period_seconds, self._)})

    def forget_old(self, now: float) -> None:
        for seen in self._cameras.values():
            while seen.events and now - seen.events[0][0] > self._keep_s:
                seen.events.popleft()
