"""The counting engine: tracked boxes in, one frame at a time; ``CountingData`` out.

Pure computation: no clock, no I/O. The caller supplies each frame's timestamp, which dates the
events and measures dwell, so replaying a recording counts exactly like the live camera.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from workers.contracts.detection import CountEvent, CountingData
from workers.contracts.zones import ZoneSet
from workers.counting.identity import Identities
from workers.counting.lines import LineCounter
from workers.counting.routes import RouteCounter
from workers.counting.tracks import TrackedObject, anchor_point
from workers.counting.zones import ZoneCounter


class CountingEngine:
    """Counts line crossings, zone entries/exits and routes (``workers.counting.routes``, read
    from those events) for one camera.

    Tracks reach the lines and zones through :class:`Identities`: a track counts once seen on
    ``min_track_frames`` frames, and a new id continuing a lost person is that person.

    ``max_track_age`` frames (and, if given, ``max_track_age_seconds``) without seeing a track
    make each shape forget it: a later reappearance under the same id starts afresh and cannot
    complete a crossing from stale state, and a forgotten track still inside a zone exits it.
    Before that, a track that reappears is judged on the move from where it was last seen, so
    one that really crossed a line while unseen is counted.
    """

    def __init__(
        self, zone_set: ZoneSet, *, max_track_age: int = 30,
        max_track_age_seconds: float | None = None,
    ) -> None:
        if max_track_age < 0:
            raise ValueError("max_track_age must be >= 0 frames")
        self._max_age = max_track_age
        self._max_age_s = (
            None if max_track_age_seconds is None else timedelta(seconds=max_track_age_seconds)
        )
        self._frame = 0
        # camera totals only grow: removing a line later does not take back what it counted
        self._count_in = 0
        self._count_out = 0
        #: the time of the first frame counted: the totals are of what came after
        self._since: datetime | None = None
        self._lines: dict[str, LineCounter] = {}
        self._zones: dict[str, ZoneCounter] = {}
        self._routes: dict[str, RouteCounter] = {}
        self._zone_set = zone_set
        self._pending: ZoneSet | None = None
        self._people = Identities()
        self._apply(zone_set)

    @property
    def zone_set(self) -> ZoneSet:
        """The configuration in use; a pending ``set_zones`` replaces it at the next frame."""
        return self._zone_set

    def set_zones(self, zone_set: ZoneSet) -> None:
        """Use ``zone_set`` from the next ``update`` on.

        Lines and zones whose id survives keep their cumulative totals. A surviving line whose
        points moved forgets which side each track was on (re-learnt without counting), as do
        all lines when the anchor changes; a surviving zone keeps its occupants and re-decides
        membership against the new polygon. Removed shapes vanish from the output; new ones
        start at zero. Routes that keep their id keep their totals, and their people's progress
        while their steps are unchanged.
        """
        self._pending = zone_set

    def update(self, tracks: Sequence[TrackedObject], at: datetime) -> CountingData:
        """Feed one processed frame's tracks; returns cumulative counts and this frame's events."""
        if self._pending is not None:
            self._apply(self._pending)
            self._pending = None
        self._frame += 1
        frame, zs = self._frame, self._zone_set
        frames, anchor = zs.hysteresis_frames, zs.anchor
        lines, zones = tuple(self._lines.values()), tuple(self._zones.values())
        events: list[CountEvent] = []
        seen = [(obj, anchor_point(obj.bbox, anchor)) for obj in tracks]
        for obj, p, person in self._people.resolve(seen, frame, at, zs):
            shown = (obj, p, frame, at)
            if obj.track_id != person.pid:
                shown = (TrackedObject(person.pid, obj.class_name, obj.bbox), p, frame, at)
            if not person.confirmed:
                if person.streak < zs.min_track_frames:
                    person.pending.append(shown)
                    continue
                person.confirmed = True
            replay, person.pending = [*person.pending, shown], []
            for o, q, f, t in replay:
                for line in lines:
                    line.observe(o, q, f, t, frames, events)
                for zone in zones:
                    zone.observe(o, q, f, t, frames, events)

        oldest_frame = frame - self._max_age
        oldest_at = None if self._max_age_s is None else at - self._max_age_s
        self._people.forget(oldest_frame, oldest_at)
        for line in lines:
            line.forget(oldest_frame, oldest_at)
        for zone in zones:
            zone.forget(oldest_frame, oldest_at, events)
        # routes read what the lines and zones counted, in the order it happened
        events.sort(key=lambda e: e.at)
        for route in self._routes.values():
            for e in list(events):
                route.observe(e, events)
            route.forget(at)

        for e in events:
            if e.kind == "line":
                if e.direction == "in":
                    self._count_in += 1
                else:
                    self._count_out += 1
        if self._since is None:
            self._since = at
        return CountingData(
            counting_since=self._since,
            count_in=self._count_in,
            count_out=self._count_out,
            total_count=self._count_in - self._count_out,
            zones_version=zs.version,
            lines={sid: c.snapshot() for sid, c in self._lines.items()},
            zone_analysis={sid: c.snapshot(at) for sid, c in self._zones.items()},
            routes={rid: c.snapshot() for rid, c in self._routes.items()},
            events=events,
        )

    def _apply(self, zs: ZoneSet) -> None:
        anchor_changed = zs.anchor != self._zone_set.anchor
        lines: dict[str, LineCounter] = {}
        band = zs.line_dead_band * zs.frame_width
        for d in zs.lines:
            counter = self._lines.get(d.id)
            if counter is None:
                counter = LineCounter(d, band, zs.appear_distance, zs.rejoin_seconds)
            else:
                counter.configure(d, band, zs.appear_distance, zs.rejoin_seconds)
                if anchor_changed:  # old positions would make a phantom move across the line
                    counter.reset_tracks()
            lines[d.id] = counter
        zones: dict[str, ZoneCounter] = {}
        for d in zs.zones:
            counter = self._zones.get(d.id)
            if counter is None:
                counter = ZoneCounter(d)
            else:
                counter.configure(d)
            zones[d.id] = counter
        routes: dict[str, RouteCounter] = {}
        route_shapes = frozenset(step.shape_id for r in zs.routes for step in r.steps)
        for r in zs.routes:
            counter = self._routes.get(r.id)
            if counter is None:
                counter = RouteCounter(r, route_shapes)
            else:
                counter.configure(r, route_shapes)
            routes[r.id] = counter
        self._lines, self._zones, self._routes, self._zone_set = lines, zones, routes, zs
