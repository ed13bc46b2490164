"""One polygon zone: debounced membership per track, entries, exits, occupancy and dwell.

Membership flips only after ``hysteresis_frames`` frames on the new side of the edge, and is
dated to the first of those frames, so dwell is measured from the frame the anchor went in to
the frame it came out. A track first seen inside counts as an entry (it entered what the camera
sees there), which keeps ``entries - exits == occupancy`` for as long as the zone exists.
"""

from __future__ import annotations

from datetime import datetime

from workers.contracts.detection import CountEvent, ZoneAnalysis
from workers.contracts.zones import ZoneDef
from workers.counting.tracks import Direction, ShapeTrack, TrackedObject, stale_ids
from workers.geometry import Point, point_in_polygon


class _ZoneTrack(ShapeTrack[bool]):
    """``value`` is the confirmed membership; ``entered_at`` is set while it is True."""

    __slots__ = ("entered_at",)

    def __init__(self, class_name: str, frame: int, at: datetime) -> None:
        super().__init__(class_name, frame, at)
        self.entered_at: datetime | None = None


class ZoneCounter:
    def __init__(self, zone: ZoneDef) -> None:
        self.entries = 0
        self.exits = 0
        self._tracks: dict[int, _ZoneTrack] = {}
        self.configure(zone)

    def configure(self, zone: ZoneDef) -> None:
        """Adopt a (re)drawn zone. Memberships are kept and re-decided against the new polygon
        with the usual hysteresis, so a reshaped zone can enter or exit tracks it now (no longer)
        covers, and occupants keep their dwell."""
        self.zone = zone
        self._poly = [tuple(p) for p in zone.points]
        xs, ys = [p[0] for p in zone.points], [p[1] for p in zone.points]
        self._box = (min(xs), min(ys), max(xs), max(ys))
        self._classes = frozenset(zone.classes) or None

    def contains(self, p: Point) -> bool:
        x0, y0, x1, y1 = self._box
        return x0 <= p[0] <= x1 and y0 <= p[1] <= y1 and point_in_polygon(p, self._poly)

    def observe(
        self, obj: TrackedObject, p: Point, frame: int, at: datetime, frames: int,
        events: list[CountEvent],
    ) -> None:
        if self._classes is not None and obj.class_name not in self._classes:
            return  # to this zone the track is unseen this frame
        st = self._tracks.get(obj.track_id)
        if st is None:
            st = self._tracks[obj.track_id] = _ZoneTrack(obj.class_name, frame, at)
        was_inside = st.value
        st.seen(obj.class_name, frame, at)
        inside = self.contains(p)
        if not st.observe(inside, at, frames):
            return
        if inside:
            self.entries += 1
            st.entered_at = st.since
            events.append(self._event(st, obj.track_id, "in", st.since))
        elif was_inside:
            self._exit(st, obj.track_id, st.since, events)

    def _exit(self, st: _ZoneTrack, track_id: int, at: datetime, events: list[CountEvent]) -> None:
        self.exits += 1
        events.append(self._event(st, track_id, "out", at,
                                  (at - st.entered_at).total_seconds()))
        st.entered_at = None

    def _event(
        self, st: _ZoneTrack, track_id: int, direction: Direction, at: datetime,
        dwell: float | None = None,
    ) -> CountEvent:
        return CountEvent(kind="zone", shape_id=self.zone.id, direction=direction,
                          class_name=st.class_name, track_id=track_id, at=at,
                          dwell_seconds=dwell)

    def forget(
        self, oldest_frame: int, oldest_at: datetime | None, events: list[CountEvent]
    ) -> None:
        """Drop tracks not seen lately. One still inside exits, dated to when it was last seen
        inside (or to when it was seen leaving, if that was not confirmed yet)."""
        for tid in stale_ids(self._tracks, oldest_frame, oldest_at):
            st = self._tracks.pop(tid)
            if st.value:
                self._exit(st, tid, st.since if st.candidate is False else st.seen_at, events)

    def snapshot(self, at: datetime) -> ZoneAnalysis:
        by_class: dict[str, int] = {}
        dwell: dict[int, float] = {}
        for tid, st in self._tracks.items():
            if st.value:
                by_class[st.class_name] = by_class.get(st.class_name, 0) + 1
                dwell[tid] = (at - st.entered_at).total_seconds()
        return ZoneAnalysis(occupancy=len(dwell), entries=self.entries, exits=self.exits,
                            occupancy_by_class=by_class, dwell_seconds=dwell)
