"""One counting line: per-track side tracking and cumulative in/out totals.

Around the line lies a dead band (``line_dead_band`` of the frame width on each side): an anchor
inside it is on neither side. A crossing needs two things: the anchor's confirmed side flips
(after ``hysteresis_frames`` consecutive frames beyond the band on the new side; a frame in the
band neither counts towards that nor cancels it), and the anchor's path since it left the old
side touched the drawn segment. So a person standing on the line and swaying over it is never
counted, whatever the hysteresis, and one who steps a little over it and back is not either. The
path is checked piece by piece between consecutive positions, so a fast mover who jumps over the
line in one frame counts, and one who walks past the line's end does not. Going back before the
confirmation cancels the crossing. The event is dated to the frame whose move touched the line.

People do not spring up beside a line in the middle of the picture: a track first seen within
``appear_distance`` of its heights from the line (in the band, or just beyond it), whose first
position beyond the band is further from the line, is someone who crossed it unseen (hidden
behind another person, or lost by the tracker as they crossed and found again as someone new)
and counts as a crossing towards where it went, dated to when it was first seen, once confirmed
like any other. A person the identity layer recognised keeps their track and is not "new"; nor
is one appearing where someone who crossed the same way a moment ago (``rejoin_seconds``) is no
longer seen: that is most likely them again, under an id the identity layer could not place.
"""

from __future__ import annotations

import math
from datetime import datetime

from workers.contracts.detection import CountEvent, LineCounts
from workers.contracts.zones import LineDef
from workers.counting.tracks import Direction, ShapeTrack, TrackedObject, stale_ids
from workers.geometry import Point, cross, segments_intersect, side


class _LineTrack(ShapeTrack[int]):
    """``value`` is the confirmed side of the line, -1 (left) or +1 (right)."""

    __slots__ = ("last", "crossed_at", "first")

    def __init__(self, p: Point, class_name: str, frame: int, at: datetime) -> None:
        super().__init__(class_name, frame, at)
        self.last = p
        #: first frame whose move touched the segment since leaving the confirmed side, if any
        self.crossed_at: datetime | None = None
        #: where and when the track was first seen, until its first side is known
        self.first: tuple[Point, float, datetime] | None = None


class LineCounter:
    def __init__(self, line: LineDef, dead_band: float = 0.0, appear: float = 0.0,
                 recent_s: float = 0.0) -> None:
        """``dead_band``: half-width of the band in pixels; ``appear``: ``appear_distance``;
        ``recent_s``: ``rejoin_seconds``."""
        self.count_in = 0
        self.count_out = 0
        self.by_class: dict[str, dict[Direction, int]] = {}
        self._tracks: dict[int, _LineTrack] = {}
        #: tracks whose side was forgotten by a reset: re-learnt, never taken for newcomers
        self._relearn: set[int] = set()
        #: the crossings counted lately: (when, direction, track id)
        self._recent: list[tuple[datetime, Direction, int]] = []
        self._adopt(line, dead_band, appear, recent_s)

    def configure(self, line: LineDef, dead_band: float = 0.0, appear: float = 0.0,
                  recent_s: float = 0.0) -> None:
        """Adopt a redrawn line under the same id: totals stay, sides reset if the segment moved."""
        if line.points != self.line.points:
            self.reset_tracks()
        self._adopt(line, dead_band, appear, recent_s)

    def _adopt(self, line: LineDef, dead_band: float, appear: float, recent_s: float) -> None:
        self.line = line
        self._p1, self._p2 = line.points
        self._classes = frozenset(line.classes) or None
        (x1, y1), (x2, y2) = line.points
        # cross() is the distance from the line times its length
        self._length = math.hypot(x2 - x1, y2 - y1)
        self._band = dead_band * self._length
        self._appear = appear
        self._recent_s = recent_s

    def _side(self, p: Point) -> int:
        """+1 right of the band, -1 left of it, 0 in it (or exactly on a band-less line)."""
        c = cross(self._p1, self._p2, p)
        return 0 if abs(c) <= self._band else side(self._p1, self._p2, p)

    def reset_tracks(self) -> None:
        """Forget every track's side; they are re-learnt, without counting, from the next frames."""
        self._relearn = set(self._tracks)
        self._tracks.clear()

    def observe(
        self, obj: TrackedObject, p: Point, frame: int, at: datetime, frames: int,
        events: list[CountEvent],
    ) -> None:
        if self._classes is not None and obj.class_name not in self._classes:
            return  # to this line the track is unseen this frame
        st = self._tracks.get(obj.track_id)
        if st is None:
            st = self._tracks[obj.track_id] = _LineTrack(p, obj.class_name, frame, at)
            if obj.track_id in self._relearn:
                self._relearn.discard(obj.track_id)
            else:
                st.first = (p, abs(cross(self._p1, self._p2, p)), at)
        s = self._side(p)
        if st.value is None:
            if s and st.first is not None and self._appeared(st, obj, p, s):
                # it crossed unseen: the crossing is pending, to be confirmed as any other
                st.value, st.crossed_at = -s, st.first[2]
                st.observe(s, at, frames)
            else:
                # the first side seen (beyond the band) is taken at once: nothing is counted on
                # it, and a track first seen just before the band must still count when it crosses
                st.value = s or None
            if st.value is not None:
                st.first = None
        elif s == st.value:
            st.observe(s, at, frames)  # back on its side: a pending crossing is cancelled
            st.crossed_at = None
        else:
            if st.crossed_at is None and segments_intersect(st.last, p, self._p1, self._p2):
                st.crossed_at = at
            # in the band is evidence for neither side: it neither confirms nor cancels
            if s != 0 and st.observe(s, at, frames):
                if st.crossed_at is not None:  # None: it went round the segment's end
                    self._count(obj, "in" if s > 0 else "out", st.crossed_at, events)
                st.crossed_at = None
        st.last = p
        st.seen(obj.class_name, frame, at)

    def _appeared(self, st: _LineTrack, obj: TrackedObject, p: Point, s: int) -> bool:
        """Whether the track sprang up beside the line and left it towards side ``s``: see the
        module's doc."""
        (x1, y1), (x2, y2) = self._p1, self._p2
        q, dist, first_at = st.first
        along = ((q[0] - x1) * (x2 - x1) + (q[1] - y1) * (y2 - y1)) / max(self._length ** 2, 1e-9)
        reach = self._appear * max(1.0, obj.bbox[3] - obj.bbox[1]) * self._length
        if not (0.0 <= along <= 1.0 and dist <= reach and abs(cross(self._p1, self._p2, p)) > dist):
            return False
        direction = "in" if s > 0 else "out"
        for at, d, tid in self._recent:
            other = self._tracks.get(tid)
            if (d == direction and tid != obj.track_id
                    and (first_at - at).total_seconds() <= self._recent_s
                    and (other is None or other.seen_at < first_at)):
                return False  # most likely the one who just crossed, under another id
        return True

    def _count(
        self, obj: TrackedObject, direction: Direction, at: datetime, events: list[CountEvent]
    ) -> None:
        if direction == "in":
            self.count_in += 1
        else:
            self.count_out += 1
        per_class = self.by_class.setdefault(obj.class_name, {"in": 0, "out": 0})
        per_class[direction] += 1
        events.append(CountEvent(kind="line", shape_id=self.line.id, direction=direction,
                                 class_name=obj.class_name, track_id=obj.track_id, at=at))
        self._recent.append((at, direction, obj.track_id))

    def forget(self, oldest_frame: int, oldest_at: datetime | None) -> None:
        """Drop tracks not seen lately; a crossing they had not confirmed is not counted."""
        for tid in stale_ids(self._tracks, oldest_frame, oldest_at):
            del self._tracks[tid]
        if self._recent and oldest_at is not None:
            self._recent = [r for r in self._recent if r[0] >= oldest_at]
        del self._recent[:-64]  # only the last moments matter

    def snapshot(self) -> LineCounts:
        return LineCounts(count_in=self.count_in, count_out=self.count_out,
                          by_class={c: dict(v) for c, v in self.by_class.items()})
