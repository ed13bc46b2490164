"""Counted events against true crossings: per line and direction, true, counted, matched, missed,
extra and accuracy = 1 - (missed + extra) / true.

A counted event matches a true crossing of the same line and direction when its time lies in
the crossing's window (its moment, or the whole time a person stood on the line) widened by the
tolerance on both sides. Each is matched at most once; within a line and direction both lists
are taken in time order and the earliest possible pairing is made, which for windows on one
time axis matches as many as any pairing could.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from workers.accuracy.truth import Direction, TrueCrossing

#: seconds either side of a true crossing within which a count is the same crossing
DEFAULT_TOLERANCE_S = 1.0


@dataclass(frozen=True)
class CountedEvent:
    time: float  # seconds into the video
    frame: int
    line: str
    direction: Direction
    track_id: int
    class_name: str = "person"


@dataclass
class LineScore:
    line: str
    direction: Direction
    true: int = 0
    counted: int = 0
    matched: int = 0
    missed: list[TrueCrossing] = field(default_factory=list)
    extra: list[CountedEvent] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        """1 - (missed + extra) / true; 1.0 when nothing was to be counted and nothing was."""
        if self.true == 0:
            return 1.0 if not self.extra else 0.0
        return 1.0 - (len(self.missed) + len(self.extra)) / self.true

    def row(self) -> dict:
        return {"line": self.line, "direction": self.direction, "true": self.true,
                "counted": self.counted, "matched": self.matched, "missed": len(self.missed),
                "extra": len(self.extra), "accuracy": round(self.accuracy, 4)}


@dataclass
class Score:
    lines: list[LineScore]

    def _sum(self, attr: str) -> int:
        return sum(len(v) if isinstance(v := getattr(s, attr), list) else v for s in self.lines)

    @property
    def true(self) -> int:
        return self._sum("true")

    @property
    def missed(self) -> int:
        return self._sum("missed")

    @property
    def extra(self) -> int:
        return self._sum("extra")

    @property
    def counted(self) -> int:
        return self._sum("counted")

    @property
    def accuracy(self) -> float:
        t = self.true
        return 1.0 - (self.missed + self.extra) / t if t else (1.0 if not self.extra else 0.0)

    @property
    def worst(self) -> float:
        """The lowest accuracy of any line and direction that had something to count."""
        return min((s.accuracy for s in self.lines if s.true or s.extra), default=1.0)

    def add(self, other: Score) -> Score:
        """Both scores' lines and directions summed (for totals over several videos)."""
        merged: dict[tuple[str, str], LineScore] = {}
        for s in [*self.lines, *other.lines]:
            m = merged.setdefault((s.line, s.direction), LineScore(s.line, s.direction))
            m.true += s.true
            m.counted += s.counted
            m.matched += s.matched
            m.missed += s.missed
            m.extra += s.extra
        return Score(list(merged.values()))

    def table(self) -> str:
        w = max([len("line"), *(len(s.line) for s in self.lines)])
        out = [f"{'line':<{w}}  dir   true  counted  matched  missed  extra  accuracy"]
        for s in self.lines:
            out.append(f"{s.line:<{w}}  {s.direction:<3}  {s.true:>5}  {s.counted:>7}  "
                       f"{s.matched:>7}  {len(s.missed):>6}  {len(s.extra):>5}  "
                       f"{100 * s.accuracy:>7.1f}%")
        return "\n".join(out)

    def as_dict(self) -> dict:
        return {"true": self.true, "counted": self.counted, "missed": self.missed,
                "extra": self.extra, "accuracy": round(self.accuracy, 4),
                "lines": [s.row() for s in self.lines]}


def score(truth: Sequence[TrueCrossing], events: Iterable[CountedEvent],
          tolerance: float = DEFAULT_TOLERANCE_S, lines: Iterable[str] = ()) -> Score:
    """Match ``events`` to ``truth``; ``lines`` are shown even when neither list names them."""
    events = list(events)
    keys = sorted({(c.line, c.direction) for c in truth} | {(e.line, e.direction) for e in events}
                  | {(ln, d) for ln in lines for d in ("in", "out")})
    out = []
    for line, direction in keys:
        s = LineScore(line, direction)  # type: ignore[arg-type]
        todo = sorted((c for c in truth if (c.line, c.direction) == (line, direction)),
                      key=lambda c: (c.latest, c.earliest))
        counted = sorted((e for e in events if (e.line, e.direction) == (line, direction)),
                         key=lambda e: e.time)
        s.true, s.counted = len(todo), len(counted)
        used = [False] * len(counted)
        # crossings whose window closes first take the earliest event that fits them
        for c in todo:
            lo, hi = c.earliest - tolerance, c.latest + tolerance
            hit = next((i for i, e in enumerate(counted) if not used[i] and lo <= e.time <= hi),
                       None)
            if hit is None:
                s.missed.append(c)
            else:
                used[hit] = True
                s.matched += 1
        s.extra = [e for e, u in zip(counted, used, strict=True) if not u]
        out.append(s)
    return Score(out)
