"""Hard scenes with known truth: crowds, pairs, lingerers, turn-backs, stop-and-go, runners,
occlusions and people HOG cannot see.

Each scenario kind plans its people as scripts (walk to x, stop and sway, turn back) over the
same street, sprites and renderer as :mod:`workers.samples.synth`, and records every true
crossing of the vertical line ``[W/2, H, W/2, 0]`` ("in" = left to right, as on screen). The
truth comes from the script's intent, not from the rendered feet: a person who stands on the
line swaying a few pixels either side crosses once if they then go on and not at all if they
turn back, never once per sway; such a crossing may be dated to any frame of the stand
(``Crossing.since`` .. ``Crossing.until``).

    python -m workers.samples.scenarios OUT_DIR [--kind KIND ...] [--fps 10] [--seed 0]
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from workers.samples.synth import (
    FULL_CAST,
    HOG_CAST,
    Crossing,
    GroundTruth,
    Scene,
    WalkerTruth,
    _hog_visible,
    _make_walk,
    _open_writer,
    _Walk,
    background,
    sprite,
)

#: a stop this close to the line (pixels at 960 wide) is standing on it
_ON_LINE_PX = 24
#: at most this many people on screen in a crowd
MAX_ON_SCREEN = 6


@dataclass
class Walk:
    """One person's script: legs of ("walk", to_x), ("stop", frames, sway_px, period_frames)."""

    left_to_right: bool
    start: int
    depth: float
    speed_mps: float
    legs: list[tuple] = field(default_factory=list)
    cast: str = HOG_CAST[0]


@dataclass(frozen=True)
class Plan:
    kind: str
    walks: list[Walk]


def _run(walk: _Walk, plan: Walk, width: int, line_x: float) -> tuple[np.ndarray, np.ndarray,
                                                                       list[tuple[int, int]]]:
    """Feet x per frame (rendered, with sway), the same without sway, and the stands on the line
    as (first, last) step indices."""
    bw = walk.sprite.body[2] - walk.sprite.body[0]
    x = -bw / 2 - 1 if plan.left_to_right else width + bw / 2 + 1
    xs, smooth, stands = [], [], []
    heading = 1 if plan.left_to_right else -1
    for leg in [*plan.legs, ("walk", None)]:
        if leg[0] == "walk":
            target = leg[1]
            if target is None:  # on, out of the picture
                target = width + bw / 2 + 1 if heading > 0 else -bw / 2 - 1
            heading = 1 if target > x else -1
            while abs(target - x) > 1e-6:
                x += heading * min(walk.speed, abs(target - x))
                xs.append(x)
                smooth.append(x)
        else:
            _, frames, sway, period = leg
            first = len(xs)
            for i in range(frames):
                xs.append(x + sway * math.sin(2 * math.pi * i / period))
                smooth.append(x)
            if abs(x - line_x) <= _ON_LINE_PX:
                stands.append((first, len(xs) - 1))
    return np.array(xs), np.array(smooth), stands


def _boxes(walk: _Walk, xs: np.ndarray) -> np.ndarray:
    bx1, by1, bx2, by2 = walk.sprite.body
    bw, bh = bx2 - bx1, by2 - by1
    i = np.arange(1, len(xs) + 1)
    x1 = np.round(xs - bw / 2).astype(int)
    y2 = walk.feet_y - np.round(walk.bob * np.abs(np.sin(np.pi * walk.bob_rate * i))).astype(int)
    return np.stack([x1, y2 - bh, x1 + bw, y2], axis=1)


def _crossings(k: int, start: int, smooth: np.ndarray, stands: list[tuple[int, int]],
               line_x: float, hog: bool) -> list[Crossing]:
    out: list[Crossing] = []
    confirmed = 0
    for i, x in enumerate(smooth):
        s = int(np.sign(x - line_x))
        if s == 0:
            continue
        if confirmed and s != confirmed:
            stand = next(((a, b) for a, b in stands if a - 3 <= i <= b + 1), None)  # stopped just past
            out.append(Crossing(
                k, start + 1 + i, "in" if s > 0 else "out", hog_visible=hog,
                since=None if stand is None else start + 1 + min(i, stand[0]),
                until=None if stand is None else start + 1 + stand[1] + 1))
        confirmed = s
    return out


def build(plan: Plan, *, fps: float, size: tuple[int, int] = (960, 540), seed: int = 0) -> Scene:
    """Render-ready scene and truth for a plan (speeds in m/s, times in frames at ``fps``)."""
    width, height = size
    line_x = width // 2
    rng = np.random.default_rng(seed + 1000)
    walks: list[_Walk] = []
    walkers: list[WalkerTruth] = []
    crossings: list[Crossing] = []
    screen = np.zeros(100_000, int)  # people on screen per frame
    for k, p in enumerate(plan.walks):
        w = _make_walk(rng, sprite(p.cast), p.left_to_right, size, fps, depth=p.depth,
                       speed_mps=p.speed_mps)
        xs, smooth, stands = _run(w, p, width, line_x)
        boxes = _boxes(w, xs)
        on = (boxes[:, 2] > 0) & (boxes[:, 0] < width)
        first, last = int(np.argmax(on)), len(on) - 1 - int(np.argmax(on[::-1]))
        begin = p.start + first
        while (np.max(screen[begin:begin + last - first + 1], initial=0) >= MAX_ON_SCREEN):
            begin += 1  # wait off screen until there is room
        shift = begin - p.start - first
        screen[begin:begin + last - first + 1] += 1
        w.start, w.boxes = begin - 1, boxes[first:last + 1]
        hog = _hog_visible(w.sprite.name)
        mine = _crossings(k, p.start + shift - 1, smooth, stands, line_x, hog)
        crossings += mine
        inside = [i for i, b in enumerate(w.boxes) if b[0] >= 0 and b[2] <= width]
        clipped = np.clip(w.boxes, 0, [width, height, width, height])
        walkers.append(WalkerTruth(
            id=k, direction="in" if p.left_to_right else "out", look=w.sprite.name,
            first_frame=w.start + 1, cross_frame=mine[0].frame if mine else -1,
            full_frames=(w.start + 1 + inside[0], w.start + 1 + inside[-1]) if inside else (-1, -1),
            boxes=[tuple(int(v) for v in b) for b in clipped]))
        walks.append(w)
    frames = max(w.end for w in walks) + 1 + round(fps)
    crossings.sort(key=lambda c: c.frame)
    truth = GroundTruth(
        video="", width=width, height=height, fps=fps, frames=frames, seed=seed,
        line=(line_x, height, line_x, 0),
        count_in=sum(c.direction == "in" for c in crossings),
        count_out=sum(c.direction == "out" for c in crossings),
        walkers=walkers, crossings=crossings, kind=plan.kind)
    return Scene(truth, walks, background(width, height))


# -- the kinds ---------------------------------------------------------------------------------
# Each takes (rng, fps, people) and returns the scripts; the line is at x = 480 of 960 and
# positions are in those pixels (``_scaled`` maps them to other widths).

Kind = Callable[[np.random.Generator, float, int], list[Walk]]
_W = 960
_MID = _W // 2
_TRANSIT_S = 6.0  # a walker at 1.35 m/s crosses the 960-px street in about this long


def _walker(rng: np.random.Generator, ltr: bool, start: float, fps: float, *,
            depth: float | None = None, speed: tuple[float, float] = (1.1, 1.6),
            cast: str = HOG_CAST[0], legs: list[tuple] | None = None) -> Walk:
    return Walk(ltr, round(start * fps), float(rng.uniform() if depth is None else depth),
                float(rng.uniform(*speed)), legs or [], cast)


def _toward(ltr: bool, offset: float) -> float:
    """x at ``offset`` pixels past the line (negative: before it) for a walker heading ``ltr``."""
    return _MID + offset if ltr else _MID - offset


def crowd(rng: np.random.Generator, fps: float, people: int) -> list[Walk]:
    """Up to six on screen at once, both ways, at every depth, overlapping as they pass."""
    out, t = [], 0.0
    for _ in range(people):
        out.append(_walker(rng, bool(rng.integers(2)), t, fps))
        t += rng.uniform(0.15, 1.1)
    return out


def pairs(rng: np.random.Generator, fps: float, people: int) -> list[Walk]:
    """Two at a time: side by side one way, or one each way meeting on the line."""
    out, t = [], 0.0
    for n in range(max(1, people // 2)):
        ltr = bool(rng.integers(2))
        speed = float(rng.uniform(1.1, 1.5))
        near, far = rng.uniform(0.75, 1.0), rng.uniform(0.0, 0.25)
        if n % 2 == 0:  # side by side: same speed, one a little ahead
            lag = rng.uniform(0.0, 0.25)
            out += [_walker(rng, ltr, t, fps, depth=near, speed=(speed, speed)),
                    _walker(rng, ltr, t + lag, fps, depth=far, speed=(speed, speed))]
        else:  # opposite ways, both at the line at the same moment
            out += [_walker(rng, ltr, t, fps, depth=near, speed=(speed, speed)),
                    _walker(rng, not ltr, t, fps, depth=far, speed=(speed, speed))]
        t += _TRANSIT_S * rng.uniform(0.45, 0.7)
    return out


def linger(rng: np.random.Generator, fps: float, people: int) -> list[Walk]:
    """Stops on the line for 1-3 s swaying a few pixels either side, then goes on or turns back."""
    out, t = [], 0.0
    for n in range(people):
        ltr = bool(rng.integers(2))
        goes_on = n % 2 == 0
        # one who turns back stops just short of the line: their feet sway over it but they never
        # pass; one who goes on may stop a little either side
        at = -rng.uniform(0, 4) if not goes_on else rng.uniform(-4, 4)
        stand = round(rng.uniform(1.0, 3.0) * fps)
        legs: list[tuple] = [("walk", _toward(ltr, at)),
                             ("stop", stand, rng.uniform(3, 7), rng.uniform(0.6, 1.4) * fps)]
        if not goes_on:
            legs.append(("walk", -60 if ltr else _W + 60))
        out.append(_walker(rng, ltr, t, fps, legs=legs, speed=(1.0, 1.4)))
        t += stand / fps + _TRANSIT_S * rng.uniform(0.35, 0.55)
    return out


def turnback(rng: np.random.Generator, fps: float, people: int) -> list[Walk]:
    """Crosses, goes on a little, stops briefly and comes back: one in and one out."""
    out, t = [], 0.0
    for _ in range(people):
        ltr = bool(rng.integers(2))
        pause = round(rng.uniform(0.3, 1.0) * fps)
        legs = [("walk", _toward(ltr, rng.uniform(70, 160))), ("stop", pause, 0.0, fps),
                ("walk", -60 if ltr else _W + 60)]
        out.append(_walker(rng, ltr, t, fps, legs=legs))
        t += pause / fps + _TRANSIT_S * rng.uniform(0.6, 0.8)
    return out


def stopgo(rng: np.random.Generator, fps: float, people: int) -> list[Walk]:
    """Stops for 1-2 s on the way (before or after the line, not on it), then goes on."""
    out, t = [], 0.0
    for _ in range(people):
        ltr = bool(rng.integers(2))
        pause = round(rng.uniform(1.0, 2.0) * fps)
        where = rng.choice([-1, 1]) * rng.uniform(60, 220)
        out.append(_walker(rng, ltr, t, fps,
                           legs=[("walk", _toward(ltr, where)), ("stop", pause, 0.0, fps)]))
        t += pause / fps + _TRANSIT_S * rng.uniform(0.4, 0.6)
    return out


def fast(rng: np.random.Generator, fps: float, people: int) -> list[Walk]:
    """Runners: 3-3.8 m/s, nearly a body width per frame at 10 fps."""
    out, t = [], 0.0
    for _ in range(people):
        out.append(_walker(rng, bool(rng.integers(2)), t, fps, speed=(3.0, 3.8)))
        t += rng.uniform(0.6, 1.8)
    return out


def occlusion(rng: np.random.Generator, fps: float, people: int) -> list[Walk]:
    """One walker passes behind another on the line: opposite ways, or overtaken from behind."""
    out, t = [], 0.0
    for n in range(max(1, people // 2)):
        ltr = bool(rng.integers(2))
        near, far = rng.uniform(0.9, 1.0), rng.uniform(0.0, 0.1)
        if n % 2 == 0:  # meet on the line
            s = float(rng.uniform(1.1, 1.5))
            out += [_walker(rng, ltr, t, fps, depth=near, speed=(s, s)),
                    _walker(rng, not ltr, t, fps, depth=far, speed=(s, s))]
        else:  # the nearer, faster one overtakes at the line
            slow, quick = float(rng.uniform(0.9, 1.1)), float(rng.uniform(1.7, 2.0))
            # both reach the line together: the quicker starts later
            lead = _TRANSIT_S / 2 * 1.35 * (1 / slow - 1 / quick)
            out += [_walker(rng, ltr, t, fps, depth=far, speed=(slow, slow)),
                    _walker(rng, ltr, t + lead, fps, depth=near, speed=(quick, quick))]
        t += _TRANSIT_S * rng.uniform(0.55, 0.75)
    return out


def dark(rng: np.random.Generator, fps: float, people: int) -> list[Walk]:
    """Both men, the one in the black jacket (HOG never finds him) flagged in the truth."""
    out = crowd(rng, fps, people)
    for i, w in enumerate(out):
        w.cast = FULL_CAST[i % 2]
    return out


KINDS: dict[str, Kind] = {"crowd": crowd, "pairs": pairs, "linger": linger, "turnback": turnback,
                          "stopgo": stopgo, "fast": fast, "occlusion": occlusion, "dark": dark}


def make_scenario(kind: str, *, people: int = 6, fps: float = 10, seed: int = 0,
                  size: tuple[int, int] = (960, 540)) -> Scene:
    """A scene of one kind; the same (kind, people, fps, seed, size) always gives the same scene."""
    if kind not in KINDS:
        raise ValueError(f"unknown scenario kind {kind!r}; one of {', '.join(KINDS)}")
    rng = np.random.default_rng([seed, sorted(KINDS).index(kind)])
    walks = [_scaled(w, size[0]) for w in KINDS[kind](rng, fps, people)]
    return build(Plan(kind, walks), fps=fps, size=size, seed=seed)


def _scaled(w: Walk, width: int) -> Walk:
    if width == _W:
        return w
    s = width / _W
    legs = [(leg[0], leg[1] * s) if leg[0] == "walk" else (leg[0], leg[1], leg[2] * s, leg[3])
            for leg in w.legs]
    return replace(w, legs=legs)


def suite(fps: float = 10, *, people: int = 8, seed: int = 0,
          kinds: tuple[str, ...] = tuple(KINDS)) -> Iterator[Scene]:
    for kind in kinds:
        yield make_scenario(kind, people=people, fps=fps, seed=seed)


def write(scene: Scene, path: str | Path) -> GroundTruth:
    """Write the scene's video (mp4v, else MJPG .avi) and its truth as a .json beside it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer, written = _open_writer(path, scene.truth.fps, (scene.truth.width, scene.truth.height))
    try:
        for img in scene.frames():
            writer.write(img)
    finally:
        writer.release()
    truth = replace(scene.truth, video=written.name)
    written.with_suffix(".json").write_text(truth.to_json())
    return truth


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m workers.samples.scenarios",
                                description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path, help="folder for KIND.mp4 and KIND.json")
    p.add_argument("--kind", nargs="+", choices=list(KINDS), default=list(KINDS))
    p.add_argument("--people", type=int, default=8)
    p.add_argument("--fps", type=float, default=10)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    for kind in args.kind:
        t = write(make_scenario(kind, people=args.people, fps=args.fps, seed=args.seed),
                  args.out / f"{kind}.mp4")
        print(f"{t.video}: {t.frames} frames at {t.fps:g} fps, in={t.count_in} out={t.count_out}")


if __name__ == "__main__":
    main()
