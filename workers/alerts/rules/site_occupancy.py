"""``site_occupancy``: more people inside a site than allowed, for a while.

A site's doors and zones may be on several cameras; its figure is kept here from the count
events of their detection results (a door's entering crossing +1, its other one -1, a zone's
entry +1 and exit -1), held true by the site's own settings exactly as analytics holds it
(``workers.analytics.occupancy.ZoneOccupancy``: closing-time reset, never below zero, corrected
by the average visit). It starts from what the stored count events say (``seed``, by the alerts
worker when it reads the sites), so a restart does not empty the site; a site changed since is
started again. Detection results are live data: a result the broker dropped under load takes
its crossings with it, which the reset and the correction absorb like a missed count.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

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
from workers.analytics.occupancy import ZoneOccupancy
from workers.contracts import DetectionResult
from workers.contracts.alerting import AlertRule, SiteOccupancyRule
from workers.contracts.sites import Site


@dataclass
class _Inside:
    site: Site
    count: ZoneOccupancy
    #: monotonic time a result of one of its cameras was last heard
    heard: float | None = None

    def figure(self) -> int:
        corrected = self.count.corrected()
        return self.count.raw if corrected is None else corrected


@register
class SiteOccupancy(RuleKind):
    rule_type = SiteOccupancyRule

    def __init__(self, engine_settings: EngineSettings):
        super().__init__(engine_settings)
        self._inside: dict[str, _Inside] = {}
        #: (rule, site) over the limit
        self._over = OverLimit()

    def _current(self, now_at: datetime) -> dict[str, _Inside]:
        """The tallies of the sites stored now: a new or changed site starts from zero."""
        sites = self.settings.directory.sites
        for site_id in set(self._inside) - set(sites):
            del self._inside[site_id]
        for site_id, site in sites.items():
            kept = self._inside.get(site_id)
            if kept is None or kept.site != site:
                self._inside[site_id] = _Inside(site, ZoneOccupancy(site.occupancy, self.tz,
                                                                    now_at))
        return self._inside

    def seed(self, site: Site, inside: ZoneOccupancy) -> None:
        """Start ``site`` from ``inside`` (its figure from the stored events)."""
        self._inside[site.id] = _Inside(site, inside)

    def observe(self, seen: Observation, now: float) -> None:
        if not isinstance(seen, DetectionResult):
            return
        for inside in self._current(seen.frame_timestamp).values():
            site = inside.site
            if seen.camera_id not in site.cameras():
                continue
            doors = {d.line_id: d.entering for d in site.doors if d.camera_id == seen.camera_id}
            zones = {z.zone_id for z in site.zones if z.camera_id == seen.camera_id}
            for e in sorted(seen.counting_data.events, key=lambda e: e.at):
                if e.kind == "line" and e.shape_id in doors:
                    inside.count.add(e.at, 1 if e.direction == doors[e.shape_id] else -1)
                elif e.kind == "zone" and e.shape_id in zones:
                    inside.count.add(e.at, 1 if e.direction == "in" else -1)
            inside.count.advance(seen.frame_timestamp)
            inside.heard = now

    def conditions(self, rule: AlertRule, now: float) -> Iterator[Condition]:
        assert isinstance(rule, SiteOccupancyRule)
        stored = self.settings.directory.sites
        for site_id, inside in self._inside.items():
            if stored.get(site_id) != inside.site:
                continue  # deleted or changed since: judged again from its next results
            above = rule.above if rule.above is not None else inside.site.max_occupancy
            if not watched(rule.sites, site_id) or above is None:
                continue
            n = inside.figure()
            fresh = inside.heard is not None and now - inside.heard <= rule.stale_seconds
            over = self._over.over((rule.id, site_id), n, above, rule.hysteresis, fresh)
            yield Condition(Subject(name=site_id), over, None, n,
                            self._("Site %(site)s: %(n)s inside, more than %(above)s for "
                                   "%(seconds)s s") % {
                                "site": inside.site.name, "n": n, "above": above,
                                "seconds": f"{rule.for_seconds:g}"})
