"""``camcount-worker evaluate``: a hard scene counted with the real HOG detector and scored
against its truth, as our JSON and as a CSV a person typed, with review snapshots."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from workers.samples.scenarios import make_scenario, write
from workers.samples.synth import GroundTruth

ROOT = Path(__file__).resolve().parents[1]


def evaluate(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workers.cli", "evaluate", *map(str, args)],
                          capture_output=True, text=True, timeout=150, cwd=ROOT)


@pytest.fixture(scope="module")
def linger(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    """One person stands on the line swaying, then goes on; one comes back the way they came."""
    folder = tmp_path_factory.mktemp("linger")
    truth = write(make_scenario("linger", people=2, fps=10, seed=4), folder / "linger.mp4")
    assert len(truth.crossings) == 1
    return folder / truth.video, truth


def test_json_truth_scores_per_line_and_direction(linger: tuple[Path, GroundTruth]) -> None:
    video, truth = linger
    run = evaluate(video, "--truth", video.with_suffix(".json"), "--detector", "hog")
    assert run.returncode == 0, run.stderr
    *table, last = run.stdout.strip().splitlines()
    figures = json.loads(last)
    assert (figures["true"], figures["missed"], figures["extra"], figures["accuracy"]) == (1, 0, 0, 1.0)
    rows = {r["direction"]: r for r in figures["lines"]}
    c = truth.crossings[0]
    assert rows[c.direction]["matched"] == 1 and rows[c.direction]["accuracy"] == 1.0
    other = "out" if c.direction == "in" else "in"
    assert rows[other]["true"] == rows[other]["counted"] == 0  # the one who turned back: nothing
    assert any(line.startswith("line  in ") for line in table)
    assert "accuracy 100.0%" in run.stdout


def test_typed_csv_truth_with_review_snapshots(linger: tuple[Path, GroundTruth], tmp_path: Path) -> None:
    video, truth = linger
    c = truth.crossings[0]
    typed = tmp_path / "typed.csv"
    # the real crossing typed as a time, and one that never happened, typed as a frame
    typed.write_text(f"frame_or_time,line,direction\n{c.frame / truth.fps + 0.4:.1f}s,line,"
                     f"{c.direction}\n5,line,{c.direction}\n")
    review = tmp_path / "review"
    run = evaluate(video, "--truth", typed, "--detector", "hog", "--line",
                   ",".join(map(str, truth.line)), "--review", review, "--json",
                   "--tolerance", "2")
    assert run.returncode == 0, run.stderr
    figures = json.loads(run.stdout)
    assert (figures["true"], figures["counted"], figures["missed"], figures["extra"]) == (2, 1, 1, 0)
    assert figures["accuracy"] == 0.5
    [shot] = sorted(review.glob("*.jpg"))
    assert shot.name == f"001-missed-line-{c.direction}-f5.jpg"
    image = cv2.imread(str(shot))
    assert image.shape == (truth.height, truth.width, 3)
    index = (review / "index.html").read_text()
    assert shot.name in index and figures["review"] == str(review / "index.html")


def test_truth_naming_a_line_the_zones_lack_is_refused(linger: tuple[Path, GroundTruth],
                                                       tmp_path: Path) -> None:
    video, _ = linger
    typed = tmp_path / "typed.csv"
    typed.write_text("12,door,in\n")
    run = evaluate(video, "--truth", typed, "--detector", "hog")
    assert run.returncode == 2 and "door" in run.stderr and "Traceback" not in run.stderr
    typed.write_text("12,line,sideways\n")
    run = evaluate(video, "--truth", typed, "--detector", "hog")
    assert run.returncode == 2 and "direction must be in or out" in run.stderr
