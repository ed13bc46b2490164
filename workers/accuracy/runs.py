"""Scoring a scene end to end: write its video, count it as ``count-video`` does, match the counts."""

from __future__ import annotations

import argparse
from pathlib import Path

from workers import count_video
from workers.accuracy.matching import DEFAULT_TOLERANCE_S, Score, score
from workers.accuracy.truth import from_ground_truth
from workers.samples.synth import GroundTruth, Scene


def count_file(video: Path, *options: str) -> count_video.Report:
    """``count-video VIDEO OPTIONS...``, in process."""
    p = argparse.ArgumentParser()
    count_video.add_arguments(p)
    return count_video.count(p.parse_args([str(video), *options]))


def score_video(video: Path, truth: GroundTruth, *options: str, hog_only: bool = False,
                tolerance: float = DEFAULT_TOLERANCE_S) -> Score:
    """Count ``video`` on the truth's line and score it; ``hog_only`` scores only the crossings of
    people the HOG detector can see (others are neither missed nor, if counted, extra)."""
    from workers.evaluate import events_of

    line = ",".join(map(str, truth.line))
    report = count_file(video, "--line", line, *options)
    true = [c for c in from_ground_truth(truth) if c.hog_visible or not hog_only]
    return score(true, events_of(report), tolerance, ["line"])


def score_scene(scene: Scene, folder: Path, name: str, *options: str,
                hog_only: bool = False) -> Score:
    from workers.samples.scenarios import write

    truth = write(scene, folder / f"{name}.mp4")
    return score_video(folder / truth.video, truth, *options, hog_only=hog_only)
