"""``zone_occupancy``: more people in a zone than allowed, for a while."""

from __future__ import annotations

from collections.abc import Iterator

from workers.alerts.rules.base import (
    Condition,
    EngineSettings,
    Observation,
    OverLimit,
    RuleKind,
    Subject,
    register,
    watched,
)
from workers.contracts import DetectionResult
from workers.contracts.alerting import AlertRule, ZoneOccupancyRule


@register
class ZoneOccupancy(RuleKind):
    rule_type = ZoneOccupancyRule

    def __init__(self, engine_settings: EngineSettings):
        super().__init__(engine_settings)
        #: (camera, zone) -> (people present, when heard)
        self._occupancy: dict[tuple[str, str], tuple[int, float]] = {}
        #: (rule, camera, zone) over the limit
        self._over = OverLimit()

    def observe(self, seen: Observation, now: float) -> None:
        if isinstance(seen, DetectionResult):
            for zone_id, zone in seen.counting_data.zone_analysis.items():
                self._occupancy[(seen.camera_id, zone_id)] = (zone.occupancy, now)

    def conditions(self, rule: AlertRule, now: float) -> Iterator[Condition]:
        assert isinstance(rule, ZoneOccupancyRule)
        names = self.settings.directory
        for (cam, zone), (n, at) in self._occupancy.items():
            if watched(rule.cameras, cam) and watched(rule.zones, zone):
                over = self._over.over((rule.id, cam, zone), n, rule.above, rule.hysteresis,
                                       now - at <= rule.stale_seconds)
                yield Condition(Subject(cam, zone), over, None, n,
                                self._("Zone %(zone)s on camera %(camera)s: %(n)s present, "
                                       "more than %(above)s for %(seconds)s s") % {
                                    "zone": names.shape(cam, zone), "camera": names.camera(cam),
                                    "n": n, "above": rule.above,
                                    "seconds": f"{rule.for_seconds:g}"})
