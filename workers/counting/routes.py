"""Routes: one person's line crossings and zone entries/exits matched to ordered chains.

A route reads the count events the lines and zones produced, never the boxes, so it counts
exactly what they counted: a person the lines did not count does not complete a route, and one
counted once on each door completes it once. Per person it remembers how far along the chain
they are and when they started; an event matching the first step (re)starts the chain there, so
the transit time runs from the latest start, and progress older than ``within_seconds`` is
dropped.

The steps must follow one another among the person's events on the camera's *route shapes*
(every line or zone some route names): an event on another route shape in between breaks the
chain, so someone who came in by the east door and left by the west one has not gone "east to
east" when they (or someone the tracker takes for them) come back in by the west door and out
by the east one. Events on the shapes of the step just matched and the next one (leaving a zone
just entered, entering the zone a route leaves) and on shapes no route names do not break it.
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
    def __init__(self, route: RouteDef, route_shapes: frozenset[str]) -> None:
        self.by_class: dict[str, int] = {}
        self._progress: dict[int, _Progress] = {}
        self.configure(route, route_shapes)

    def configure(self, route: RouteDef, route_shapes: frozenset[str]) -> None:
        """Adopt a redefined route under the same id: totals stay; progress restarts if its
        steps changed (half a chain of the old steps is no start of the new one).
        ``route_shapes``: every shape some route of the camera names."""
        if getattr(self, "route", None) is not None and route.steps != self.route.steps:
            self._progress.clear()
        self.route = route
        self._route_shapes = route_shapes
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
        elif (p is not None and e.shape_id in self._route_shapes
              and e.shape_id not in (steps[p.next_step - 1].shape_id, steps[p.next_step].shape_id)):
            del self._progress[e.track_id]  # went elsewhere in between

    def forget(self, now: datetime) -> None:
        """Drop progress that can no longer complete in time."""
        limit = self.route.within_seconds
        for tid in [t for t, p in self._progress.items()
                    if (now - p.started_at).total_seconds() > limit]:
            del self._progress[tid]

    def snapshot(self) -> dict[str, int]:
        return dict(self.by_class)
