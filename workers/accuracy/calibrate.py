"""How a real detector spoils the scenario scenes' true boxes: the noise simulator's figures,
measured instead of guessed.

Every frame of the rendered scenes (the kinds HOG can see, the bench's sizes) goes through the
detector; each true box is matched to the detection nearest it (centres within a third of the
box's width, heights within a factor 1.5). Reported, as :class:`~workers.accuracy.noise.Noise`
reads them:

* ``drop``: the share of people in full view (less than ``occluded`` of their box behind a
  nearer one) the detector missed;
* ``occluded_drop``: the same share for people mostly hidden behind a nearer one;
* ``jitter``: the spread (standard deviation) of the detected box's edges around the true box's,
  as a part of its size, after taking off the detector's steady offset (HOG's boxes are larger
  than the sprites' bodies, which moves every box alike and so no count);
* ``ghosts``: detections matching nobody, per frame.

    python -m workers.accuracy.calibrate [--detector hog] [--kind crowd ...] [--fps 10]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from workers.accuracy.noise import Noise, covered
from workers.detector.base import Detector
from workers.samples.scenarios import KINDS, make_scenario

#: the kinds every detector can see (``dark`` has the man HOG never finds)
SEEN_KINDS = tuple(k for k in KINDS if k != "dark")


@dataclass
class Tally:
    people: dict[bool, int] = field(default_factory=lambda: {False: 0, True: 0})
    missed: dict[bool, int] = field(default_factory=lambda: {False: 0, True: 0})
    #: edge errors of matched boxes, as parts of the true box's size (x1, y1, x2, y2)
    errors: list[np.ndarray] = field(default_factory=list)
    ghosts: int = 0
    frames: int = 0

    def noise(self, occluded: float) -> Noise:
        def share(hidden: bool) -> float:
            return self.missed[hidden] / self.people[hidden] if self.people[hidden] else 0.0

        errors = np.array(self.errors).reshape(-1, 4)
        # the steady offset (the detector's own framing of a person) moves no count
        jitter = float(np.mean(np.std(errors, axis=0))) if len(errors) > 1 else 0.0
        return Noise(jitter=round(jitter, 3), drop=round(share(False), 3), occluded=occluded,
                     occluded_drop=round(share(True), 3),
                     ghosts=round(self.ghosts / max(1, self.frames), 3))


def _match(truth: np.ndarray, found: np.ndarray) -> tuple[list[int], set[int]]:
    """For each true box the index of its detection (-1 for none); detections matched."""
    out, used = [], set()
    for box in truth:
        w, h = box[2] - box[0], box[3] - box[1]
        best, pick = np.inf, -1
        for i, d in enumerate(found):
            if i in used:
                continue
            dx = abs((d[0] + d[2]) - (box[0] + box[2])) / 2
            dy = abs((d[1] + d[3]) - (box[1] + box[3])) / 2
            ratio = (d[3] - d[1]) / max(h, 1.0)
            if dx <= w / 3 and dy <= h / 3 and 1 / 1.5 < ratio < 1.5 and dx + dy < best:
                best, pick = dx + dy, i
        out.append(pick)
        if pick >= 0:
            used.add(pick)
    return out, used


def measure(detector: Detector, kinds: Iterable[str] = SEEN_KINDS, *, fps: float = 10,
            people: int = 10, seed: int = 1, occluded: float = Noise.occluded) -> Tally:
    """Run ``detector`` on each kind's rendered scene and tally what it did to the true boxes."""
    tally = Tally()
    for kind in kinds:
        scene = make_scenario(kind, people=people, fps=fps, seed=seed)
        truth = scene.truth
        full_w = {w.id: float(np.median([b[2] - b[0] for b in w.boxes])) for w in truth.walkers}
        feet = {w.id: float(np.median([b[3] for b in w.boxes])) for w in truth.walkers}
        for f, image in enumerate(scene.frames()):
            people_now = [(w.id, np.array(b, float)) for w in truth.walkers
                          if (b := w.box_at(f)) is not None]
            judged = [(wid, box) for wid, box in people_now if box[2] - box[0] >= full_w[wid]]
            found = detector.detect(image).xyxy.astype(float)
            picks, used = _match(np.array([b for _, b in judged]).reshape(-1, 4), found)
            for (wid, box), pick in zip(judged, picks, strict=True):
                nearer = [b for o, b in people_now if o != wid and feet[o] > feet[wid]]
                hidden = covered(box, nearer) >= occluded
                tally.people[hidden] += 1
                if pick < 0:
                    tally.missed[hidden] += 1
                elif not hidden:
                    size = np.array([box[2] - box[0], box[3] - box[1]] * 2)
                    tally.errors.append((found[pick] - box) / size)
            # a detection beside a person mostly out of the picture is not a ghost
            edge = [b for wid, b in people_now if b[2] - b[0] < full_w[wid]]
            _, near_edge = _match(np.array(edge).reshape(-1, 4), found)
            tally.ghosts += len(found) - len(used) - len(near_edge - used)
            tally.frames += 1
    return tally


def main(argv: list[str] | None = None) -> None:
    from workers.detector.base import DetectorConfig
    from workers.detector.factory import create_detector

    p = argparse.ArgumentParser(prog="python -m workers.accuracy.calibrate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--detector", default="hog", help="as count-video's --detector (default hog)")
    p.add_argument("--kind", action="append", choices=SEEN_KINDS, help="default: all but dark")
    p.add_argument("--fps", type=float, default=10)
    p.add_argument("--people", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    detector = create_detector(DetectorConfig(kind=args.detector))
    t = measure(detector, args.kind or SEEN_KINDS, fps=args.fps, people=args.people,
                seed=args.seed)
    noise = t.noise(Noise.occluded)
    print(f"people in view: {t.people[False]}, missed {t.missed[False]} ({noise.drop:.1%})")
    print(f"mostly hidden:  {t.people[True]}, missed {t.missed[True]} ({noise.occluded_drop:.1%})")
    print(f"jitter {noise.jitter:.3f} of the box's size; ghosts {noise.ghosts:.3f} a frame "
          f"({t.frames} frames)")
    print(json.dumps({"detector": args.detector, "people": t.people[False],
                      "hidden": t.people[True], "drop": noise.drop,
                      "occluded_drop": noise.occluded_drop, "jitter": noise.jitter,
                      "ghosts": noise.ghosts, "frames": t.frames}))


if __name__ == "__main__":
    main()
