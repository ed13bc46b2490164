"""Routes: one person's line crossings and zone entries/exits matched to ordered chains.

A route reads the count events the lines and zones produced, never the boxes, so it counts
exactly what they counted: a person the lines did not count does not complete a route, and one
counted once on each door completes it once. Per person it remembers how far along the chain
they are and when they started; an event matching the first step (re)starts the chain there, so
the transit time runs from the latest start, and progress older than ``within_seconds`` is
dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workers.contracts.detection import CountEvent
from workers.contracts.zones import RouteDef, RouteStep


@dataclass
class _Progress:
    next_step: int
    started_at: datetime


def _matches(step: RouteStep, e: CountEvent) -> bool:
    return (e.kind != "route" and e.shape_id == step.shape_id
            and step.direction in ("any", e.direction))


class RouteCounter:
    def __init__(self, route: RouteDef) -> None:
        self.by_class: dict[str, int] = {}
        self._progress: dict[int, _Progress] = {}
        self.configure(route)

    def configure(self, route: RouteDef) -> None:
        """Adopt a redefined route under the same id: totals stay; progress restarts if its
        steps changed (half a chain of the old steps is no start of the new one)."""
        if getattr(self, "route", None) is not None and route.steps != self.route.steps:
            self._progress.clear()
        self.route = route
        self._classes = frozenset(route.classes) or None

    def observe(self, e: CountEvent, out: list[CountEvent]) -> None:
        if self._classes is not None and e.class_name not in self._classes:
            return
        steps, route = self.route.steps, self.route
        p = self._progress.get(e.track_id)
        if p is not None and (e.at - p.started_at).total_seconds() > route.within_seconds:
            del self._progress[e.track_id]  # too slow: no longer on its way
            p = None
        if p is not None and _matches(steps[p.next_step], e):
            p.next_step += 1
            if p.next_step == len(steps):
                del self._progress[e.track_id]
                self.by_class[e.class_name] = self.by_class.get(e.class_name, 0) + 1
                out.append(CountEvent(
                    kind="route", shape_id=route.id, direction="in", class_name=e.class_name,
                    track_id=e.track_id, at=e.at, origin=route.origin,
                    destination=route.destination,
                    dwell_seconds=(e.at - p.started_at).total_seconds()))
            return
        if _matches(steps[0], e):
            self._progress[e.track_id] = _Progress(1, e.at)

    def forget(self, now: datetime) -> None:
        """Drop progress that can no longer complete in time."""
        limit = self.route.within_seconds
        for tid in [t for t, p in self._progress.items()
                    if (now - p.started_at).total_seconds() > limit]:
            del self._progress[tid]

    def snapshot(self) -> dict[str, int]:
        return dict(self.by_class)
