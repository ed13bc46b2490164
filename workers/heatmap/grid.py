"""One camera's heatmap, gathered from the tracks the detector already has.

Each frame, every tracked box's bottom centre (the feet: where someone stands) falls in one
cell of a ``cols`` x ``rows`` grid over the frame. A track coming into a cell it was not in on
its previous frame is one **visit** of that cell; the time between a track's frames is **dwell**
in the cell it is in now. Time is the frames' own (capture time), so a backlog replayed fast
gives the same heatmap as live. A gap longer than ``max_gap_s`` in a track (lost, or the camera
stalled) adds no dwell: nobody knows where it was meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from workers.contracts.heatmap import HeatmapFact

DEFAULT_COLS, DEFAULT_ROWS = 64, 36
#: a partial hour is published this often, so a detector that dies loses minutes, not an hour
FLUSH_EVERY_S = 300.0
#: a track not seen for longer adds no dwell for the gap (and is forgotten)
MAX_GAP_S = 2.0

Box = tuple[float, float, float, float]


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass
class HeatGrid:
    """Dense counts of one grid: ``visits`` (int) and ``dwell`` (seconds), row-major."""

    cols: int
    rows: int
    visits: np.ndarray = field(default=None)  # type: ignore[assignment]
    dwell: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.visits is None:
            self.visits = np.zeros(self.cols * self.rows, np.int64)
        if self.dwell is None:
            self.dwell = np.zeros(self.cols * self.rows, np.float64)

    def cell(self, box: Box, width: int, height: int) -> int:
        """The cell under the box's bottom centre."""
        x = (box[0] + box[2]) / 2.0
        y = box[3]
        col = min(max(int(x / width * self.cols), 0), self.cols - 1)
        row = min(max(int(y / height * self.rows), 0), self.rows - 1)
        return row * self.cols + col

    def add(self, fact: HeatmapFact) -> None:
        """Sum a stored fact in (grids of the same size only)."""
        if (fact.cols, fact.rows) != (self.cols, self.rows):
            raise ValueError(f"a {fact.cols}x{fact.rows} heatmap cannot be added to a "
                             f"{self.cols}x{self.rows} one")
        for cell, n in fact.visits:
            self.visits[cell] += n
        for cell, s in fact.dwell:
            self.dwell[cell] += s

    def sparse(self) -> tuple[list[tuple[int, int]], list[tuple[int, float]]]:
        visits = [(int(c), int(self.visits[c])) for c in np.flatnonzero(self.visits)]
        dwell = [(int(c), round(float(self.dwell[c]), 3)) for c in np.flatnonzero(self.dwell)]
        return visits, dwell

    def as_array(self, what: str) -> np.ndarray:
        """``visits`` or ``dwell`` as a rows x cols array."""
        return getattr(self, what).reshape(self.rows, self.cols)

    @property
    def empty(self) -> bool:
        return not self.visits.any() and not self.dwell.any()


class HeatAccumulator:
    """Blocking-free and cheap (a few boxes per frame): call ``add`` with each analysed frame's
    tracks in order; it returns the facts that are due (an hour ended, or ``flush_every_s`` of
    frame time passed). ``flush`` gives what is gathered so far (on stop)."""

    def __init__(self, camera_id: str, *, cols: int = DEFAULT_COLS, rows: int = DEFAULT_ROWS,
                 flush_every_s: float = FLUSH_EVERY_S, max_gap_s: float = MAX_GAP_S):
        self.camera_id = camera_id
        self.cols, self.rows = cols, rows
        self.flush_every = timedelta(seconds=flush_every_s)
        self.max_gap = timedelta(seconds=max_gap_s)
        self._grid = HeatGrid(cols, rows)
        self._hour: datetime | None = None
        self._first: datetime | None = None
        self._last: datetime | None = None
        self._frames = 0
        self._size = (1, 1)
        #: track id -> (cell, last seen)
        self._tracks: dict[int, tuple[int, datetime]] = {}

    def add(self, tracks: Iterable[tuple[int | None, Box]], width: int, height: int,
            at: datetime) -> list[HeatmapFact]:
        due: list[HeatmapFact] = []
        hour = hour_of(at)
        if self._hour is not None and (hour != self._hour or (width, height) != self._size
                                       or at - self._first >= self.flush_every):  # type: ignore[operator]
            fact = self.flush()
            if fact is not None:
                due.append(fact)
        if self._hour is None:
            self._hour, self._first = hour, at
        self._size = (width, height)
        self._last = at
        self._frames += 1
        for track_id, box in tracks:
            if track_id is None:  # an untracked box cannot be followed from cell to cell
                continue
            cell = self._grid.cell(box, width, height)
            before = self._tracks.get(track_id)
            if before is None or at - before[1] > self.max_gap:
                self._grid.visits[cell] += 1
            else:
                if before[0] != cell:
                    self._grid.visits[cell] += 1
                self._grid.dwell[cell] += max((at - before[1]).total_seconds(), 0.0)
            self._tracks[track_id] = (cell, at)
        self._tracks = {t: v for t, v in self._tracks.items() if at - v[1] <= self.max_gap}
        return due

    def flush(self) -> HeatmapFact | None:
        """What was gathered since the last flush, as a fact (None: no frame at all); the grid
        starts again empty. Tracks are kept, so one standing across the flush is not a new
        visit."""
        if self._hour is None:
            return None
        visits, dwell = self._grid.sparse()
        fact = HeatmapFact(camera_id=self.camera_id, hour_start=self._hour,
                           first_at=self._first, last_at=self._last, cols=self.cols,
                           rows=self.rows, frame_width=self._size[0], frame_height=self._size[1],
                           frames=self._frames, visits=visits, dwell=dwell)
        self._grid = HeatGrid(self.cols, self.rows)
        self._hour = self._first = self._last = None
        self._frames = 0
        return fact


def summed(facts: Sequence[HeatmapFact], cols: int = DEFAULT_COLS,
           rows: int = DEFAULT_ROWS) -> HeatGrid:
    grid = HeatGrid(cols, rows)
    for f in facts:
        grid.add(f)
    return grid
