"""Who is who across tracker ids, before any line or zone sees a track.

Trackers lose people behind others and find them again under a new id, and they report false
hits for a frame or two. Counted naively, the first is a second count of one person near a line
and the second a count of nobody. So every tracker id is mapped to a *person*:

* a new id that appears where a recently lost person was heading (within ``rejoin_distance``
  of their heights from their predicted position, of a similar size, lost at most
  ``rejoin_seconds`` ago) continues that person: lines and zones see one track, judged on its
  move from where it was last seen, so it is counted once, and counted if it crossed unseen;
* a person counts nothing until seen on ``min_track_frames`` frames in a row (a false hit the
  tracker strings together from scattered frames does not qualify); then what they did
  meanwhile is replayed to the lines and zones, dated as it happened.

A person is known to lines and zones by the id of their first track (or, in the rare case that
id already names someone else, by a negative id of their own).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from workers.contracts.zones import ZoneSet
from workers.counting.tracks import TrackedObject
from workers.geometry import Point

#: a new id continues a lost person only if their boxes' heights differ by less than this factor
_SIZE_RATIO = 1.5
#: two tracks are swapped back when that leaves them this much nearer where their people were
#: heading, and their people had moved at least this part of a person's height from there
_SWAP_GAIN, _SWAP_MIN = 0.4, 0.15
#: a new track takes a person from the one kept for them from this far (part of a height)
_CLOSER_MIN = 0.08
#: a track unseen this long may be anywhere within ``rejoin_distance`` of where it was heading
_FULL_REACH_S = 0.5
#: weight of the newest move in the velocity estimate
_VELOCITY_GAIN = 0.5

Observation = tuple[TrackedObject, Point, int, datetime]


@dataclass
class Person:
    pid: int
    owner: int  # the tracker id showing this person now
    anchor: Point
    height: float
    seen_at: datetime
    seen_frame: int
    velocity: tuple[float, float] = (0.0, 0.0)  # pixels per second
    hits: int = 0
    #: frames in a row it has been seen, up to now
    streak: int = 0
    #: seen on enough frames in a row to count (and counting since)
    confirmed: bool = False
    tids: set[int] = field(default_factory=set)
    #: observations held back until the person is confirmed
    pending: list[Observation] = field(default_factory=list)

    def move(self, p: Point, height: float, frame: int, at: datetime) -> None:
        dt = (at - self.seen_at).total_seconds()
        if self.hits and dt > 0:
            v = ((p[0] - self.anchor[0]) / dt, (p[1] - self.anchor[1]) / dt)
            g = 1.0 if self.hits == 1 else _VELOCITY_GAIN
            self.velocity = (self.velocity[0] + g * (v[0] - self.velocity[0]),
                             self.velocity[1] + g * (v[1] - self.velocity[1]))
        self.streak = self.streak + 1 if frame == self.seen_frame + 1 else 1
        self.anchor, self.height, self.seen_frame, self.seen_at = p, height, frame, at
        self.hits += 1


class Identities:
    def __init__(self) -> None:
        self._people: dict[int, Person] = {}
        self._alias: dict[int, int] = {}  # tracker id -> person id
        self._fresh = -1  # person ids for a tracker id already taken by someone else

    def resolve(self, tracks: list[tuple[TrackedObject, Point]], frame: int, at: datetime,
                zs: ZoneSet) -> list[tuple[TrackedObject, Point, Person]]:
        """Each track with its person (moved to this frame's position)."""
        present = {o.track_id for o, _ in tracks}
        claimed: set[int] = set()
        released: set[int] = set()
        out: list[tuple[TrackedObject, Point, Person]] = []
        newcomers: list[tuple[TrackedObject, Point]] = []
        for o, p in tracks:
            person = self._people.get(self._alias.get(o.track_id, o.track_id))
            if person is None or o.track_id not in person.tids or person.pid in claimed:
                newcomers.append((o, p))
            elif person.owner != o.track_id and person.owner in present:
                newcomers.append((o, p))  # its person is on screen under another id now
            elif (not person.confirmed
                  and self._lost_near(o, p, at, zs, claimed, present)):
                # a track too young to count that goes on where a counted person was lost is
                # that person: it started on a false hit beside them, or as they were hidden
                person.tids.discard(o.track_id)
                newcomers.append((o, p))
            elif self._far(person, o, p, at, zs):
                # the tracker gave this id to someone else (a swap, or a lost track taking a
                # newcomer): it is a newcomer, and the person it showed may be found elsewhere
                person.tids.discard(o.track_id)
                released.add(person.pid)
                newcomers.append((o, p))
            else:
                person.owner = o.track_id
                claimed.add(person.pid)
                out.append((o, p, person))
        newcomers = self._closer(out, newcomers, at, zs)
        for (o, p), person in self._rejoin(newcomers, at, zs, claimed, present, released):
            if person is None:
                pid = o.track_id if o.track_id not in self._people else self._next_fresh()
                person = self._people[pid] = Person(pid, o.track_id, p, _height(o), at, frame)
            person.owner = o.track_id
            person.tids.add(o.track_id)
            self._alias[o.track_id] = person.pid
            claimed.add(person.pid)
            out.append((o, p, person))
        self._unswap(out, at, zs)
        for o, p, person in out:
            person.move(p, _height(o), frame, at)
        return out

    def _next_fresh(self) -> int:
        while self._fresh in self._people:
            self._fresh -= 1
        return self._fresh

    @staticmethod
    def _distance(person: Person, p: Point, at: datetime) -> float:
        """How far ``p`` is from where ``person`` was heading."""
        dt = (at - person.seen_at).total_seconds()
        return math.hypot(p[0] - person.anchor[0] - person.velocity[0] * dt,
                          p[1] - person.anchor[1] - person.velocity[1] * dt)

    def _far(self, person: Person, o: TrackedObject, p: Point, at: datetime, zs: ZoneSet) -> bool:
        if zs.rejoin_seconds <= 0 or zs.rejoin_distance <= 0 or person.hits < 2:
            return False
        # a track seen a moment ago can only have moved a little from where it was heading;
        # splitting one by mistake is harmless, as the rejoin gives it straight back
        dt = (at - person.seen_at).total_seconds()
        reach = min(1.0, 0.2 + dt / _FULL_REACH_S)
        return self._distance(person, p, at) > reach * zs.rejoin_distance * max(
            _height(o), person.height)

    def _closer(self, out: list[tuple[TrackedObject, Point, Person]],
                newcomers: list[tuple[TrackedObject, Point]], at: datetime,
                zs: ZoneSet) -> list[tuple[TrackedObject, Point]]:
        """Where a new track is far nearer a person's expected position than the track the
        tracker kept for them (which then went to a false hit beside them), the person takes the
        new track and the old one becomes a newcomer."""
        if zs.rejoin_seconds <= 0 or zs.rejoin_distance <= 0:
            return newcomers
        rest = list(newcomers)
        for k, (o, p, person) in enumerate(out):
            if person.hits < 2 or not rest:
                continue
            h = min(_height(o), person.height)
            kept = self._distance(person, p, at)
            if kept <= _CLOSER_MIN * h:
                continue
            d, n = min((self._distance(person, q, at), n) for n, (_, q) in enumerate(rest))
            if d < _SWAP_GAIN * kept:
                no, nq = rest.pop(n)
                person.tids.discard(o.track_id)
                person.tids.add(no.track_id)
                person.owner = no.track_id
                self._alias[no.track_id] = person.pid
                out[k] = (no, nq, person)
                rest.append((o, p))
        return rest

    def _unswap(self, out: list[tuple[TrackedObject, Point, Person]], at: datetime,
                zs: ZoneSet) -> None:
        """Give two people back their own tracks where the tracker swapped their ids: when each
        of two tracks is where the *other* person was heading, far better than where its own
        was, they are swapped back (and stay so while the tracker keeps the swapped ids)."""
        if zs.rejoin_seconds <= 0 or zs.rejoin_distance <= 0:
            return
        moving = [i for i, (_, _, person) in enumerate(out) if person.hits >= 2]
        for a, i in enumerate(moving):
            for j in moving[a + 1:]:
                (oi, pi, ri), (oj, pj, rj) = out[i], out[j]
                h = min(_height(oi), _height(oj))
                if math.dist(pi, pj) > h:
                    continue  # only people side by side are swapped by a tracker
                keep = self._distance(ri, pi, at) + self._distance(rj, pj, at)
                swap = self._distance(ri, pj, at) + self._distance(rj, pi, at)
                if keep > _SWAP_MIN * h and swap < _SWAP_GAIN * keep:
                    for o, new, old in ((oi, rj, ri), (oj, ri, rj)):
                        old.tids.discard(o.track_id)
                        new.tids.add(o.track_id)
                        new.owner = o.track_id
                        self._alias[o.track_id] = new.pid
                    out[i], out[j] = (oi, pi, rj), (oj, pj, ri)

    def _lost(self, at: datetime, zs: ZoneSet, claimed: set[int], present: set[int],
              released: set[int] = frozenset()) -> list[Person]:
        """Counted people whose tracks were lost lately, who a new track may continue."""
        if zs.rejoin_seconds <= 0 or zs.rejoin_distance <= 0:
            return []
        return [person for person in self._people.values()
                if person.pid not in claimed and person.confirmed
                and (person.owner not in present or person.pid in released)
                and 0 < (at - person.seen_at).total_seconds() <= zs.rejoin_seconds]

    def _reach(self, person: Person, o: TrackedObject, p: Point, at: datetime,
               zs: ZoneSet) -> float | None:
        """How far ``p`` is from where the lost ``person`` was heading, if near enough."""
        h = _height(o)
        if not 1 / _SIZE_RATIO < h / max(person.height, 1e-6) < _SIZE_RATIO:
            return None
        d = self._distance(person, p, at)
        return d if d <= zs.rejoin_distance * max(h, person.height) else None

    def _lost_near(self, o: TrackedObject, p: Point, at: datetime, zs: ZoneSet,
                   claimed: set[int], present: set[int]) -> bool:
        return any(self._reach(person, o, p, at, zs) is not None
                   for person in self._lost(at, zs, claimed, present))

    def _rejoin(self, newcomers: list[tuple[TrackedObject, Point]], at: datetime, zs: ZoneSet,
                claimed: set[int], present: set[int], released: set[int],
                ) -> list[tuple[tuple[TrackedObject, Point], Person | None]]:
        """Each newcomer with the lost person it most likely is, nearest pairs first."""
        pairs = []
        lost = self._lost(at, zs, claimed, present, released)
        for i, (o, p) in enumerate(newcomers):
            for person in lost:
                if (d := self._reach(person, o, p, at, zs)) is not None:
                    pairs.append((d, i, person))
        chosen: dict[int, Person] = {}
        taken: set[int] = set()
        for _, i, person in sorted(pairs, key=lambda x: x[0]):
            if i not in chosen and person.pid not in taken:
                chosen[i] = person
                taken.add(person.pid)
        return [(n, chosen.get(i)) for i, n in enumerate(newcomers)]

    def forget(self, oldest_frame: int, oldest_at: datetime | None) -> None:
        """Drop people not seen lately, with every tracker id that showed them."""
        stale = [pid for pid, p in self._people.items()
                 if p.seen_frame < oldest_frame or (oldest_at is not None and p.seen_at < oldest_at)]
        for pid in stale:
            for tid in self._people.pop(pid).tids:
                if self._alias.get(tid) == pid:
                    del self._alias[tid]


def _height(o: TrackedObject) -> float:
    return max(1.0, o.bbox[3] - o.bbox[1])
