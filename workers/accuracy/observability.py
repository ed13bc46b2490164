"""What any tracker could count on the noise simulator: for each true crossing, how often the
simulated detector saw that person on each side of the line around it.

A crossing whose person was not detected beyond the line's dead band on the side they came from
in the ``window_s`` before it, or on the side they went to in the ``window_s`` after it, cannot
be counted by any tracker and counter from these detections (short of guessing); the share of
crossings that can is an upper bound on the simulator's accuracy. A tracker that follows people
frame to frame (ByteTrack starts a track on two frames in a row) needs more: a run of two frames
on each side (``followed``); the share of those is what such a tracker can be expected to reach,
a tighter figure, not a bound (a counter may still link scattered sightings). Used as::

    log = DetectionLog()
    events = simulate(truth, noise, seed=seed, on_detections=log)
    sightings = log.sightings(truth)

or, for the bench's scenes (every kind at 10 and 15 fps, 12 people, noise seeds 0-3)::

    python -m workers.accuracy.observability [--seed SCENE_SEED] [--window 1.0]
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from workers.accuracy.noise import Noise, simulate, zone_set_for
from workers.contracts.zones import ZoneSet
from workers.counting.tracks import anchor_point
from workers.geometry import cross
from workers.samples.synth import Crossing, GroundTruth


@dataclass(frozen=True)
class Sighting:
    crossing: Crossing
    #: frames the person was detected on the side they came from, in the window before
    before: int
    #: frames the person was detected on the side they went to, in the window after
    after: int
    #: the longest runs of frames in a row among those, before and after
    before_run: int = 0
    after_run: int = 0

    @property
    def observable(self) -> bool:
        return self.before > 0 and self.after > 0

    @property
    def followed(self) -> bool:
        """Seen on two frames in a row on each side: a frame-to-frame tracker can follow it."""
        return self.before_run >= 2 and self.after_run >= 2


def _longest_run(frames: list[int]) -> int:
    best = run = 0
    for i, f in enumerate(frames):
        run = run + 1 if i and f == frames[i - 1] + 1 else 1
        best = max(best, run)
    return best


class DetectionLog:
    """``simulate``'s ``on_detections``: each walker's detected anchors, frame by frame."""

    def __init__(self) -> None:
        self.seen: dict[int, list[tuple[int, tuple[float, float]]]] = defaultdict(list)

    def __call__(self, frame: int, xyxy: np.ndarray, walkers: np.ndarray) -> None:
        for box, w in zip(xyxy, walkers, strict=True):
            if w >= 0:
                self.seen[int(w)].append((frame, anchor_point(tuple(map(float, box)))))

    def sightings(self, truth: GroundTruth, zones: ZoneSet | None = None,
                  window_s: float = 1.0) -> list[Sighting]:
        """One per true crossing of ``truth``; the dead band is that of ``zones`` (defaults)."""
        zs = zone_set_for(truth, zones)
        p1, p2 = zs.lines[0].points
        length = float(np.hypot(p2[0] - p1[0], p2[1] - p1[1]))
        band = zs.line_dead_band * zs.frame_width * length  # cross() is distance x length
        window = max(1, round(window_s * truth.fps))
        out = []
        for c in truth.crossings:
            came_from = -1 if c.direction == "in" else 1  # "in" is from the line's left
            first = c.frame if c.since is None else min(c.frame, c.since)
            last = c.frame if c.until is None else max(c.frame, c.until)
            before: list[int] = []
            after: list[int] = []
            for f, p in self.seen.get(c.walker, ()):
                s = cross(p1, p2, p)
                if abs(s) <= band:
                    continue
                if first - window <= f < first and np.sign(s) == came_from:
                    before.append(f)
                elif last <= f <= last + window and np.sign(s) == -came_from:
                    after.append(f)
            out.append(Sighting(c, len(before), len(after), _longest_run(before),
                                _longest_run(after)))
        return out


def main(argv: list[str] | None = None) -> None:
    from workers.samples.scenarios import KINDS, make_scenario

    p = argparse.ArgumentParser(prog="python -m workers.accuracy.observability",
                                description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=0, help="scene seed (make_scenario's)")
    p.add_argument("--window", type=float, default=1.0, help="seconds either side of a crossing")
    args = p.parse_args(argv)
    print(f"{'scene':<14} {'true':>5} {'observable':>10} {'bound':>7} {'followed':>9}  "
          "thin (seen on 1 frame of a side)")
    total = seen = followed = 0
    for kind in KINDS:
        for fps in (10, 15):
            truth = make_scenario(kind, people=12, fps=fps, seed=args.seed).truth
            found: list[Sighting] = []
            for noise_seed in range(4):
                log = DetectionLog()
                simulate(truth, Noise(), seed=noise_seed, on_detections=log)
                found += log.sightings(truth, window_s=args.window)
            ok = sum(s.observable for s in found)
            thin = sum(s.observable and min(s.before, s.after) == 1 for s in found)
            runs = sum(s.followed for s in found)
            total, seen, followed = total + len(found), seen + ok, followed + runs
            print(f"{kind + ' @' + str(fps):<14} {len(found):>5} {ok:>10} "
                  f"{100 * ok / len(found):>6.1f}% {100 * runs / len(found):>8.1f}%  {thin}")
    print(f"{'all':<14} {total:>5} {seen:>10} {100 * seen / total:>6.1f}% "
          f"{100 * followed / total:>8.1f}%")


if __name__ == "__main__":
    main()
