"""The simulator's noise measured from a detector: what it reports is what the detector did."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from workers.accuracy.calibrate import measure
from workers.detector.base import Detections, Detector
from workers.detector.hog import HogDetector
from workers.samples.scenarios import make_scenario

PERSON = {0: "person"}


class Scripted(Detector):
    """The scene's true boxes, frame after frame, spoilt as told: a known answer to measure."""

    model_version = "scripted"

    def __init__(self, kind: str, *, miss_every: int = 0, ghost: bool = False) -> None:
        self.truth = make_scenario(kind, people=4, fps=10, seed=1).truth
        self.frame, self.seen, self.miss_every, self.ghost = 0, 0, miss_every, ghost

    def detect(self, image_bgr: np.ndarray, classes: Sequence[str] | None = None) -> Detections:
        boxes = []
        for w in self.truth.walkers:
            if (b := w.box_at(self.frame)) is not None:
                self.seen += 1
                if not (self.miss_every and self.seen % self.miss_every == 0):
                    boxes.append(b)
        if self.ghost:
            boxes.append((10, 10, 60, 160))  # in the sky, where nobody walks
        self.frame += 1
        xyxy = np.array(boxes, np.float32).reshape(-1, 4)
        return Detections(xyxy, np.full(len(xyxy), 0.9, np.float32), np.zeros(len(xyxy), int),
                          PERSON)


def test_a_perfect_detector_measures_no_noise() -> None:
    t = measure(Scripted("crowd"), ["crowd"], people=4)
    noise = t.noise(0.5)
    assert t.people[False] > 100
    assert noise.drop == 0 and noise.occluded_drop == 0
    assert noise.jitter == 0 and noise.ghosts == 0


def test_misses_and_ghosts_are_measured_as_made() -> None:
    t = measure(Scripted("crowd", miss_every=4, ghost=True), ["crowd"], people=4)
    noise = t.noise(0.5)
    # one sighting in four is dropped, whoever it is: a quarter of the people judged
    judged = t.people[False] + t.people[True]
    missed = t.missed[False] + t.missed[True]
    assert abs(missed / judged - 0.25) < 0.05
    assert noise.ghosts == 1.0  # the box in the sky, on every frame


def test_hog_misses_people_hidden_behind_others_more_often() -> None:
    t = measure(HogDetector(), ["crowd"], people=6)
    noise = t.noise(0.5)
    assert t.people[True] >= 10, "the crowd scene hides somebody"
    assert noise.drop < 0.3
    assert noise.occluded_drop > noise.drop
