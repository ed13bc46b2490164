"""Synthetic people-walking videos whose true counts are known by construction.

The people are real: full-body men cut out of ``ultralytics/assets/bus.jpg`` with GrabCut and a
feathered alpha, so people detectors see people rather than rectangles. By default only the man in
the coat walks (in eight coat colours, mirrored or not, at several sizes) because OpenCV's HOG
people detector finds him in ~90% of frames but never finds the man in the black jacket; pass
``cast=FULL_CAST`` for both when testing YOLO. Walkers cross a people-free street (facade and paving
from the same photo) horizontally, at most two on screen, and cross the vertical counting line
``[W/2, H, W/2, 0]`` exactly once each: left-to-right walkers are "in", as seen on screen.

Frame indices in the ground truth count from 0, the first frame decoded. Rebuild the console's
default local-mode sample (960x540, 10 fps, 50 s, 5 in + 5 out) with::

    python -m workers.samples resources/samples/entrance.mp4 --people 10 --seconds 50 --seed 7
"""

from __future__ import annotations

import importlib.util
import json
import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from workers.geometry import side

log = logging.getLogger(__name__)

Box = tuple[int, int, int, int]  # x1, y1, x2, y2 in pixels, x2/y2 exclusive
Stroke = tuple[int, int, int, int, int]  # x1, y1, x2, y2, width: a line painted into the GrabCut mask


@dataclass(frozen=True)
class _Cutout:
    name: str
    box: Box
    keep: tuple[Stroke, ...]  # certainly the person: head, torso, legs, shoes
    drop: tuple[Box | Stroke, ...]  # certainly not: neighbours, the bollard, gaps between legs
    coat: tuple[float, float] | None = None  # rows (fractions of body height) of a recolourable coat


# The only two full-body people in bus.jpg (810x1080); the woman at the left edge and the man at the
# right edge are cut off by the frame. Boxes picked by eye after HOG (0.5x, stride 4) flagged both.
# The bus behind them is close in colour to the clothes, so GrabCut needs skeleton hints; the
# "drop" shapes keep out the other man, the cropped-off woman's hand, a bumper and the bollard.
_CUTOUTS = (
    _Cutout(
        "man_in_coat",
        (48, 392, 252, 906),
        keep=((130, 415, 130, 455, 20), (130, 470, 125, 690, 40), (90, 710, 82, 850, 14),
              (65, 878, 95, 880, 10), (150, 710, 185, 850, 14), (190, 876, 225, 880, 10)),
        drop=((212, 392, 260, 848), (28, 730, 66, 820), (28, 690, 72, 745),
              (122, 712, 130, 790, 14), (130, 790, 140, 895, 10)),
        coat=(0.18, 0.62),
    ),
    _Cutout(
        "man_in_jacket",
        (220, 398, 350, 862),
        keep=((286, 420, 286, 455, 20), (290, 470, 290, 690, 40), (270, 700, 272, 820, 14),
              (265, 840, 285, 845, 8), (310, 700, 318, 760, 14)),
        drop=((200, 378, 263, 482), (200, 842, 250, 882)),
    ),
)
# OpenCV's default HOG people detector scores the man in the black jacket below zero at every size
# and place we tried (the man in the coat: ~80% hits), so he only walks when asked for.
HOG_CAST: tuple[str, ...] = ("man_in_coat",)
FULL_CAST = tuple(c.name for c in _CUTOUTS)
# Coat colours (OpenCV hue 0-180, saturation, value gain); None keeps the photo's beige. Each one
# kept HOG's hit rate within a few points of the original's, so the cast looks varied yet detectable.
_COATS: dict[str, tuple[int, int, float] | None] = {
    "beige": None, "camel": (15, 120, 0.9), "sage": (45, 70, 0.85), "navy": (115, 110, 0.45),
    "charcoal": (0, 0, 0.45), "grey": (0, 0, 0.9), "sky": (105, 90, 0.9), "rose": (170, 70, 0.95),
}
_FACADE_ROWS = (0, 232)  # building above the bus roof: no people
_PAVING_ROWS = (905, 1080)  # street below everyone's shoes: no people

# Scene layout, as fractions of the frame height.
_FACADE_FRAC = 0.25
_FEET_RANGE = (0.80, 0.96)  # feet further down are nearer the camera, hence taller
_HEIGHT_RANGE = (0.48, 0.58)
_WALK_SPEED_MPS = (1.1, 1.6)
_PERSON_M = 1.75  # converts a walker's pixel height into pixels per metre
_CADENCE_HZ = 1.8  # steps per second, for the head bob
_GAP_FRAC = 0.04  # minimum horizontal gap between two visible walkers, as a fraction of W


@dataclass(frozen=True)
class Sprite:
    name: str
    rgb: np.ndarray  # uint8 BGR, H x W x 3
    alpha: np.ndarray  # float32 0..1, H x W
    body: Box  # tight person box inside the sprite (alpha > 0.5)
    coat_rows: tuple[int, int] | None = None  # sprite rows holding a coat that may be recoloured


@dataclass(frozen=True)
class WalkerTruth:
    id: int
    direction: Literal["in", "out"]  # in = left to right across the line, as seen on screen
    look: str  # which person, and the coat colour they were given
    first_frame: int
    cross_frame: int  # first frame whose bottom-centre is on the far side of the line
    full_frames: tuple[int, int]  # first and last frame with the whole body inside the image
    boxes: list[Box]  # clipped to the image, one per frame from first_frame on

    @property
    def last_frame(self) -> int:
        return self.first_frame + len(self.boxes) - 1

    def box_at(self, frame: int) -> Box | None:
        i = frame - self.first_frame
        return self.boxes[i] if 0 <= i < len(self.boxes) else None


@dataclass(frozen=True)
class Crossing:
    """One true line crossing: what a perfect counter counts, and when."""

    walker: int
    frame: int  # first frame whose bottom-centre is on the far side of the line
    direction: Literal["in", "out"]
    line: str = "line"
    #: a person who stood on the line (swaying over it) before going on may be counted on any
    #: frame from ``since`` to ``until``
    since: int | None = None
    until: int | None = None
    #: False for people OpenCV's HOG detector never finds (the man in the black jacket)
    hog_visible: bool = True


def _hog_visible(look: str) -> bool:
    return look.split("/")[0] in HOG_CAST


@dataclass(frozen=True)
class GroundTruth:
    video: str  # file name, relative to the JSON
    width: int
    height: int
    fps: float
    frames: int
    seed: int
    line: tuple[int, int, int, int]  # P1 -> P2; "in" = crossing from its left to its right
    count_in: int
    count_out: int
    walkers: list[WalkerTruth] = field(default_factory=list)
    #: every true crossing in frame order; files written before it existed get one per walker
    crossings: list[Crossing] = field(default_factory=list)
    #: "walk" for the one-at-a-time scenes of ``make_scene``, else a scenario kind
    kind: str = "walk"

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def load(cls, path: str | Path) -> GroundTruth:
        return cls.from_dict(json.loads(Path(path).read_text()))

    @classmethod
    def from_dict(cls, raw: dict) -> GroundTruth:
        raw = dict(raw)
        walkers = [
            WalkerTruth(**{**w, "full_frames": tuple(w["full_frames"]),
                           "boxes": [tuple(b) for b in w["boxes"]]})
            for w in raw.pop("walkers")
        ]
        crossings = ([Crossing(**c) for c in raw.pop("crossings")] if "crossings" in raw
                     else _one_each(walkers))
        return cls(**{**raw, "line": tuple(raw["line"])}, walkers=walkers, crossings=crossings)


def _one_each(walkers: Sequence[WalkerTruth]) -> list[Crossing]:
    """The crossings of walkers that each cross once, as ``make_scene`` plans them."""
    return sorted((Crossing(w.id, w.cross_frame, w.direction, hog_visible=_hog_visible(w.look))
                   for w in walkers), key=lambda c: c.frame)


@cache
def _bus_jpg() -> np.ndarray:
    """The photo, shared read-only by the sprites and the background."""
    spec = importlib.util.find_spec("ultralytics")  # locate without importing torch
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the ultralytics package (which ships assets/bus.jpg) is missing")
    img = cv2.imread(str(Path(spec.origin).parent / "assets" / "bus.jpg"))
    if img is None:
        raise FileNotFoundError("ultralytics/assets/bus.jpg is missing or unreadable")
    return img


def _cut(img: np.ndarray, c: _Cutout, margin: int = 20) -> Sprite:
    x1, y1, x2, y2 = c.box
    ox, oy = max(0, x1 - margin), max(0, y1 - margin)
    crop = img[oy:min(img.shape[0], y2 + margin), ox:min(img.shape[1], x2 + margin)]
    mask = np.full(crop.shape[:2], cv2.GC_BGD, np.uint8)
    mask[y1 - oy:y2 - oy, x1 - ox:x2 - ox] = cv2.GC_PR_FGD
    for shape in c.drop:
        if len(shape) == 4:
            a, b, cc, d = shape
            mask[b - oy:d - oy, a - ox:cc - ox] = cv2.GC_BGD
        else:
            a, b, cc, d, w = shape
            cv2.line(mask, (a - ox, b - oy), (cc - ox, d - oy), cv2.GC_BGD, w)
    for a, b, cc, d, w in c.keep:
        cv2.line(mask, (a - ox, b - oy), (cc - ox, d - oy), cv2.GC_FGD, w)
    models = np.zeros((1, 65)), np.zeros((1, 65))
    cv2.setRNGSeed(0)  # GrabCut seeds its colour models with k-means: same cut-out every run
    cv2.grabCut(crop, mask, None, *models, 3, cv2.GC_INIT_WITH_MASK)  # more changes <0.2% of alpha
    fg = np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)
    # Keep only the person: GrabCut leaves specks of bus that look like the clothes.
    n, labels, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    fg = (labels == 1 + int(np.argmax(stats[1:n, cv2.CC_STAT_AREA]))).astype(np.float32)
    # Erode a pixel so no bus-blue fringe survives, then feather the edge.
    fg = cv2.erode(fg, np.ones((3, 3), np.uint8))
    alpha = cv2.GaussianBlur(fg, (0, 0), 1.5)
    body = _body(alpha)
    coat_rows = None
    if c.coat:
        h = body[3] - body[1]
        coat_rows = (body[1] + round(c.coat[0] * h), body[1] + round(c.coat[1] * h))
    return Sprite(c.name, crop.copy(), alpha, body, coat_rows)


def _body(alpha: np.ndarray) -> Box:
    ys, xs = np.nonzero(alpha > 0.5)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


@cache
def sprite(name: str) -> Sprite:
    """One cut-out person (~0.5 s of GrabCut, so only on first use)."""
    return _cut(_bus_jpg(), next(c for c in _CUTOUTS if c.name == name))


def _dress(sprite: Sprite, colour: tuple[int, int, float]) -> np.ndarray:
    """The sprite's pixels with its coat dyed; folds keep their shading, the red shirt stays red."""
    hue, sat, gain = colour
    hsv = cv2.cvtColor(sprite.rgb, cv2.COLOR_BGR2HSV)
    top, bottom = sprite.coat_rows
    band = hsv[top:bottom]
    coat = (band[..., 0] >= 8) & (band[..., 0] <= 35) & (band[..., 2] > 40)  # beige, not red
    band[..., 0][coat] = hue
    band[..., 1][coat] = sat
    band[..., 2][coat] = (band[..., 2][coat] * gain).astype(np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)


def background(width: int, height: int) -> np.ndarray:
    """A static street seen from above head height: facade on top, sunlit paving below."""
    img = _bus_jpg()
    scale = width / img.shape[1]
    facade = img[slice(*_FACADE_ROWS)]
    facade = cv2.resize(facade, (width, round(facade.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    facade_h = min(round(height * _FACADE_FRAC), facade.shape[0])
    facade = facade[-facade_h:]  # keep the balconies' bottom edge where the wall meets the street
    # Stretching the paving vertically reads as looking down on it more steeply, which suits a
    # counting camera; the blur stands in for its lens and keeps mp4v key frames small.
    paving = cv2.resize(img[slice(*_PAVING_ROWS)], (width, height - facade_h),
                        interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(np.vstack([facade, paving]), (0, 0), 1.5 * width / 960)


@dataclass
class _Walk:
    sprite: Sprite  # already dressed, scaled, flipped and tinted for this walker; named by look
    left_to_right: bool
    feet_y: int
    speed: float  # pixels per frame
    bob: float  # head-bob amplitude in pixels
    bob_rate: float  # half-periods per frame
    start: int = 0  # frame at which the body is just outside the image
    boxes: np.ndarray = field(default_factory=lambda: np.empty((0, 4), int))  # from start + 1

    def track(self, width: int) -> None:
        """Unclipped body boxes for every frame on which some of the body is inside the image."""
        bx1, by1, bx2, by2 = self.sprite.body
        bw, bh = bx2 - bx1, by2 - by1
        i = np.arange(1, math.ceil((width + bw) / self.speed) + 1)
        left = -bw + self.speed * i if self.left_to_right else width - self.speed * i
        x = np.round(left).astype(int)
        y2 = self.feet_y - np.round(self.bob * np.abs(np.sin(np.pi * self.bob_rate * i))).astype(int)
        boxes = np.stack([x, y2 - bh, x + bw, y2], axis=1)
        self.boxes = boxes[(boxes[:, 2] > 0) & (boxes[:, 0] < width)]

    def box(self, frame: int) -> np.ndarray | None:
        i = frame - self.start - 1
        return self.boxes[i] if 0 <= i < len(self.boxes) else None

    @property
    def end(self) -> int:
        return self.start + len(self.boxes)


def _make_walk(rng: np.random.Generator, sprite: Sprite, left_to_right: bool, size: tuple[int, int],
               fps: float, *, depth: float | None = None, speed_mps: float | None = None) -> _Walk:
    """A dressed, scaled walker; ``depth`` 0 (far) .. 1 (near) and speed are drawn unless given."""
    width, height = size
    depth = rng.uniform() if depth is None else depth
    feet_y = round(height * (_FEET_RANGE[0] + depth * (_FEET_RANGE[1] - _FEET_RANGE[0])))
    person_h = height * (_HEIGHT_RANGE[0] + depth * (_HEIGHT_RANGE[1] - _HEIGHT_RANGE[0]))
    look, rgb = sprite.name, sprite.rgb
    if sprite.coat_rows:
        coat = list(_COATS)[rng.integers(len(_COATS))]
        look = f"{sprite.name}/{coat}"
        if colour := _COATS[coat]:
            rgb = _dress(sprite, colour)
    scale = person_h / (sprite.body[3] - sprite.body[1])
    rgb = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(sprite.alpha, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_AREA)
    if rng.uniform() < 0.5:  # a mirrored twin is a different-looking walker to a tracker
        rgb, alpha = rgb[:, ::-1], alpha[:, ::-1]
    rgb = np.clip(rgb * rng.uniform(0.85, 1.15), 0, 255).astype(np.uint8)
    scaled = Sprite(look, np.ascontiguousarray(rgb), np.ascontiguousarray(alpha), _body(alpha))
    px_per_m = person_h / _PERSON_M
    if speed_mps is None:
        speed_mps = rng.uniform(*_WALK_SPEED_MPS)
    walk = _Walk(scaled, left_to_right, feet_y, speed=speed_mps * px_per_m / fps,
                 bob=0.012 * person_h, bob_rate=_CADENCE_HZ / fps)
    walk.track(width)
    return walk


def _fits(walk: _Walk, placed: list[_Walk], gap: float, allow_overlap: bool) -> bool:
    """At most two walkers on screen at once and, unless allowed, never within `gap` of each other."""
    for f in range(walk.start + 1, walk.end + 1):
        others = [b for w in placed if (b := w.box(f)) is not None]
        if len(others) >= 2:
            return False
        if not allow_overlap:
            mine = walk.box(f)
            if any(mine[0] < b[2] + gap and b[0] < mine[2] + gap for b in others):
                return False
    return True


def _schedule(walks: list[_Walk], total: int | None, fps: float, gap: float,
              allow_overlap: bool) -> int:
    """Pack walkers greedily in order, then spread the spare frames evenly; returns frame count."""
    placed: list[_Walk] = []
    for walk in walks:
        walk.start = placed[-1].start + 1 if placed else 0
        while not _fits(walk, placed, gap, allow_overlap):
            walk.start += 1
        placed.append(walk)
    # Frames 0..end are needed, plus an empty second so the last walker has surely left.
    needed = max(w.end for w in walks) + 1 + round(fps)
    if total is None:
        return needed
    slack = total - needed
    if slack < 0:
        raise ValueError(f"{len(walks)} walkers need at least {needed / fps:.1f} s at this size")
    # Delaying a walker and everyone after it only moves them further apart, so checks still hold.
    for k, walk in enumerate(walks):
        walk.start += slack * (k + 1) // (len(walks) + 1)
    return total


def _crossing(walk: _Walk, line: tuple[int, int, int, int]) -> int:
    p1, p2 = line[:2], line[2:]
    target = 1 if walk.left_to_right else -1
    for i, (x1, _, x2, y2) in enumerate(walk.boxes):
        if side(p1, p2, ((x1 + x2) / 2, y2)) == target:
            return walk.start + 1 + i
    raise AssertionError("a walker never crossed the line")


def _truth(k: int, walk: _Walk, size: tuple[int, int], line: tuple[int, int, int, int]) -> WalkerTruth:
    width, height = size
    inside = [i for i, b in enumerate(walk.boxes) if b[0] >= 0 and b[2] <= width]
    clipped = np.clip(walk.boxes, 0, [width, height, width, height])
    return WalkerTruth(
        id=k,
        direction="in" if walk.left_to_right else "out",
        look=walk.sprite.name,
        first_frame=walk.start + 1,
        cross_frame=_crossing(walk, line),
        full_frames=(walk.start + 1 + inside[0], walk.start + 1 + inside[-1]),
        boxes=[tuple(int(v) for v in b) for b in clipped],
    )


def _paste(img: np.ndarray, rgb: np.ndarray, alpha: np.ndarray, x: int, y: int) -> None:
    h, w = alpha.shape
    xa, ya, xb, yb = max(x, 0), max(y, 0), min(x + w, img.shape[1]), min(y + h, img.shape[0])
    if xa >= xb or ya >= yb:
        return
    a = alpha[ya - y:yb - y, xa - x:xb - x, None]
    roi = img[ya:yb, xa:xb]
    roi[:] = (rgb[ya - y:yb - y, xa - x:xb - x] * a + roi * (1.0 - a)).astype(np.uint8)


def _shadow(width: int) -> np.ndarray:
    """A soft contact shadow under the shoes, so walkers stand on the paving rather than float."""
    ax, ay = width // 2 + 4, max(3, width // 10)
    patch = np.zeros((4 * ay, 2 * ax + 8), np.float32)
    cv2.ellipse(patch, (patch.shape[1] // 2, 2 * ay), (ax, ay), 0, 0, 360, 0.45, -1)
    return cv2.GaussianBlur(patch, (0, 0), ay / 2)


@dataclass
class Scene:
    """A planned video: its ground truth, and its frames rendered on demand."""

    truth: GroundTruth
    _walks: list[_Walk]
    _background: np.ndarray

    def frames(self) -> Iterator[np.ndarray]:
        shades = [_shadow(w.sprite.body[2] - w.sprite.body[0]) for w in self._walks]
        black = [np.zeros((*s.shape, 3), np.uint8) for s in shades]
        for f in range(self.truth.frames):
            img = self._background.copy()
            visible = [(w, s, k, b) for w, s, k in zip(self._walks, shades, black, strict=True)
                       if (b := w.box(f)) is not None]
            # Nearer walkers (feet lower) are drawn last so they occlude those further back.
            for w, shade, dark, (x1, _, x2, y2) in sorted(visible, key=lambda v: v[0].feet_y):
                sx, sy = (x1 + x2 - shade.shape[1]) // 2, w.feet_y - shade.shape[0] // 2
                _paste(img, dark, shade, sx, sy)
                bx1, _, _, by2 = w.sprite.body
                _paste(img, w.sprite.rgb, w.sprite.alpha, x1 - bx1, y2 - by2)
            yield img


def make_scene(*, people: int = 6, seconds: float | None = None, fps: float = 10,
               size: tuple[int, int] = (960, 540), seed: int = 0,
               allow_overlap: bool = False, cast: Sequence[str] = HOG_CAST) -> Scene:
    """Plan `people` walkers, half each way (the odd one goes in); `seconds=None` fits them tightly."""
    if people < 1:
        raise ValueError("people must be at least 1")
    if not cast or set(cast) - set(FULL_CAST):
        raise ValueError(f"cast must be some of {FULL_CAST}, not {list(cast)}")
    width, height = size
    rng = np.random.default_rng(seed)
    directions = [True] * ((people + 1) // 2) + [False] * (people // 2)
    rng.shuffle(directions)
    pool = [sprite(name) for name in cast]
    walks = [_make_walk(rng, pool[rng.integers(len(pool))], d, size, fps) for d in directions]
    total = None if seconds is None else round(seconds * fps)
    frames = _schedule(walks, total, fps, _GAP_FRAC * width, allow_overlap)
    line = (width // 2, height, width // 2, 0)
    walkers = [_truth(k, w, size, line) for k, w in enumerate(walks)]
    truth = GroundTruth(
        video="", width=width, height=height, fps=fps, frames=frames, seed=seed, line=line,
        count_in=sum(w.direction == "in" for w in walkers),
        count_out=sum(w.direction == "out" for w in walkers),
        walkers=walkers, crossings=_one_each(walkers),
    )
    return Scene(truth, walks, background(width, height))


def _open_writer(path: Path, fps: float, size: tuple[int, int]) -> tuple[cv2.VideoWriter, Path]:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    if writer.isOpened():
        return writer, path
    avi = path.with_suffix(".avi")
    log.warning("this OpenCV build cannot write mp4v; writing MJPG to %s instead", avi)
    writer = cv2.VideoWriter(str(avi), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV can write neither mp4v nor MJPG video to {path.parent}")
    return writer, avi


def generate(path: str | Path, *, people: int = 6, seconds: float | None = None, fps: float = 10,
             size: tuple[int, int] = (960, 540), seed: int = 0,
             allow_overlap: bool = False, cast: Sequence[str] = HOG_CAST) -> GroundTruth:
    """Write the video (mp4v, else MJPG .avi) and its ground truth as a .json beside it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scene = make_scene(people=people, seconds=seconds, fps=fps, size=size, seed=seed,
                       allow_overlap=allow_overlap, cast=cast)
    writer, written = _open_writer(path, fps, size)
    try:
        for img in scene.frames():
            writer.write(img)
    finally:
        writer.release()
    truth = replace(scene.truth, video=written.name)
    written.with_suffix(".json").write_text(truth.to_json())
    return truth
