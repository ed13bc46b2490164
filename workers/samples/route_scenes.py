"""A scene whose routes are known by construction: people come in at one side of the street and
leave by the same side (a U-turn) or the other.

Two doors, vertical lines at a fifth and four fifths of the width ("in" = left to right, as on
screen), and the four routes between them. Every person enters from off screen, so passes the
door on their side first; one who goes on passes the other door, one who turns back does so
well past their door and passes it again the other way. So each person completes exactly one
route, the one named by the side they came from and the side they left by.

    python -m workers.samples.route_scenes OUT_DIR [--people 8] [--fps 10] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workers.contracts.zones import ZoneSet
from workers.samples.scenarios import Plan, Walk, _walker, build, write
from workers.samples.synth import Scene

SIDES = ("west", "east")
#: seconds between one person's start and the next one's: one at a time near each door
_GAP_S = (2.5, 4.0)


@dataclass(frozen=True)
class RouteTruth:
    """Each person's true origin and destination door, in the order they enter."""

    people: list[tuple[str, str]]

    def matrix(self) -> Counter[tuple[str, str]]:
        return Counter(self.people)


def route_zone_set(width: int = 960, height: int = 540, camera_id: str = "routes") -> ZoneSet:
    """The two doors and the four routes between them."""
    doors = {"west": width * 0.2, "east": width * 0.8}
    # crossing a door towards the middle of the picture is coming in, towards the edge going out
    inward = {"west": "in", "east": "out"}
    outward = {"west": "out", "east": "in"}
    routes = [{"id": f"{a}-{b}", "name": f"{a.title()} → {b.title()}",
               "steps": [{"shape_id": a, "direction": inward[a]},
                         {"shape_id": b, "direction": outward[b]}],
               "within_seconds": 60}
              for a in SIDES for b in SIDES]
    return ZoneSet.model_validate({
        "camera_id": camera_id, "frame_width": width, "frame_height": height,
        "lines": [{"id": side, "name": side.title(), "points": [[x, height], [x, 0]]}
                  for side, x in doors.items()],
        "routes": routes})


def plan(rng: np.random.Generator, fps: float, people: int, width: int) -> tuple[list[Walk],
                                                                                  RouteTruth]:
    walks, truth, t = [], [], 0.0
    for _ in range(people):
        ltr = bool(rng.integers(2))
        origin = "west" if ltr else "east"
        turns = bool(rng.integers(2))
        legs: list[tuple] = []
        if turns:  # well past their door, short of the other one, then back
            x = width * rng.uniform(0.38, 0.62)
            legs = [("walk", x), ("stop", round(rng.uniform(0.3, 1.0) * fps), 0.0, fps),
                    ("walk", -80.0 if ltr else width + 80.0)]
        destination = origin if turns else ("east" if ltr else "west")
        walks.append(_walker(rng, ltr, t, fps, legs=legs))
        truth.append((origin, destination))
        t += rng.uniform(*_GAP_S)
    return walks, RouteTruth(truth)


def make_route_scene(*, people: int = 8, fps: float = 10, seed: int = 0,
                     size: tuple[int, int] = (960, 540)) -> tuple[Scene, RouteTruth]:
    """The same (people, fps, seed, size) always gives the same scene."""
    rng = np.random.default_rng([seed, 9_001])
    walks, truth = plan(rng, fps, people, size[0])
    return build(Plan("routes", walks), fps=fps, size=size, seed=seed), truth


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m workers.samples.route_scenes",
                                description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path, help="folder for routes.mp4, routes.json, routes.zones.json")
    p.add_argument("--people", type=int, default=8)
    p.add_argument("--fps", type=float, default=10)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    scene, truth = make_route_scene(people=args.people, fps=args.fps, seed=args.seed)
    t = write(scene, args.out / "routes.mp4")
    (args.out / "routes.zones.json").write_text(
        route_zone_set(t.width, t.height).model_dump_json(indent=2))
    (args.out / "routes.truth.json").write_text(json.dumps(truth.people))
    print(f"{t.video}: {t.frames} frames; routes " + ", ".join(
        f"{a}->{b}: {n}" for (a, b), n in sorted(truth.matrix().items())))


if __name__ == "__main__":
    main()
