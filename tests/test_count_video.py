"""``camcount-worker count-video`` end to end: real videos, real HOG detector, known true counts."""

from __future__ import annotations

import csv
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from workers.samples import GroundTruth, generate

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "resources" / "samples" / "entrance.mp4"


def count_video(*args: str | Path, language: str = "en") -> subprocess.CompletedProcess[str]:
    """``language``: of the messages for people (whatever the locale of the machine running it)."""
    return subprocess.run([sys.executable, "-m", "workers.cli", "count-video", *map(str, args)],
                          capture_output=True, text=True, timeout=150, cwd=ROOT,
                          env={**os.environ, "CAMCOUNT_LANGUAGE": language})


def counted(*args: str | Path) -> dict:
    run = count_video(*args, "--json")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    path = tmp_path_factory.mktemp("clip") / "street.mp4"
    truth = generate(path, people=4, seed=1)
    return path.with_name(truth.video), truth


def test_counts_walkers_exactly(clip: tuple[Path, GroundTruth]) -> None:
    path, truth = clip
    out = counted(path, "--detector", "hog", "--line", ",".join(map(str, truth.line)))
    assert (out["count_in"], out["count_out"]) == (truth.count_in, truth.count_out)
    assert out["lines"]["line"]["count_in"] == truth.count_in
    assert out["model_version"] == "opencv-hog" and out["fallback"] is False
    assert out["frames_read"] == out["frames_processed"] == truth.frames
    assert out["inferences"] + out["frames_skipped"] == truth.frames
    assert out["frames_skipped"] > 0  # the street is empty between walkers
    assert out["elapsed_seconds"] > 0


def test_zones_file_with_line_and_polygon_at_analysis_rate(
        clip: tuple[Path, GroundTruth], tmp_path: Path) -> None:
    path, truth = clip
    w, h = truth.width, truth.height
    zones = tmp_path / "zones.json"
    zones.write_text(json.dumps({  # no frame size: it is taken from the video
        "camera_id": "street",
        "lines": [{"id": "door", "name": "Door", "points": [[w / 2, h], [w / 2, 0]]}],
        "zones": [{"id": "left", "name": "Left pavement",
                   "points": [[0, h / 2], [w / 2, h / 2], [w / 2, h], [0, h]]}],
    }))
    run = count_video(path, "--detector", "hog", "--zones", zones, "--fps", "5")
    assert run.returncode == 0, run.stderr
    table = run.stdout
    assert "analysed at 5 fps" in table
    assert re.search(rf"^Door\s+{truth.count_in}\s+{truth.count_out}$", table, re.M), table
    # every walker crosses the whole street, so each one's feet pass through the left half
    row = re.search(r"^Left pavement\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", table, re.M)
    assert row, table
    entries, exits, occupancy, peak = map(int, row.groups())
    assert entries == len(truth.walkers)
    assert entries - exits == occupancy and 1 <= peak <= 2


def test_bad_zones_file_exits_2_with_the_reason(tmp_path: Path) -> None:
    zones = tmp_path / "zones.json"
    zones.write_text(json.dumps({"camera_id": "c", "frame_width": 960, "frame_height": 540,
                                 "zones": [{"id": "z", "points": [[0, 0], [10, 10]]}]}))
    run = count_video(SAMPLE, "--detector", "hog", "--zones", zones)
    assert run.returncode == 2
    assert "a polygon needs at least 3 points" in run.stderr
    assert "Traceback" not in run.stderr

    zones.write_text("{not json")
    run = count_video(SAMPLE, "--detector", "hog", "--zones", zones)
    assert run.returncode == 2 and "is not JSON" in run.stderr

    run = count_video(SAMPLE, "--line", "480,540,480,900")
    assert run.returncode == 2 and "outside the 960x540 frame" in run.stderr
    # in the language of whoever runs it (here Russian), the values in place
    run = count_video(SAMPLE, "--line", "480,540,480,900", language="ru")
    assert run.returncode == 2
    assert "«line»: точка (480, 900) лежит за пределами кадра 960x540" in run.stderr


def test_unreadable_video_exits_2(tmp_path: Path) -> None:
    run = count_video(tmp_path / "missing.mp4", "--detector", "hog")
    assert run.returncode == 2 and "cannot read video" in run.stderr


@pytest.mark.slow
def test_sample_video_at_the_camera_default_rate() -> None:
    truth = GroundTruth.load(SAMPLE.with_suffix(".json"))
    out = counted(SAMPLE, "--detector", "hog", "--fps", "5")
    assert (out["count_in"], out["count_out"]) == (truth.count_in, truth.count_out) == (5, 5)
    assert out["frames_processed"] == truth.frames // 2


def test_events_file_lists_every_counted_event(clip: tuple[Path, GroundTruth], tmp_path: Path) -> None:
    path, truth = clip
    events = tmp_path / "events.csv"
    out = counted(path, "--detector", "hog", "--line", ",".join(map(str, truth.line)),
                  "--events", events)
    rows = list(csv.DictReader(events.open()))
    assert [r["direction"] for r in rows].count("in") == out["count_in"] == truth.count_in
    assert [r["direction"] for r in rows].count("out") == out["count_out"] == truth.count_out
    assert {(r["kind"], r["shape"], r["class"]) for r in rows} == {("line", "line", "person")}
    true_frames = sorted(w.cross_frame for w in truth.walkers)
    for row, frame in zip(sorted(rows, key=lambda r: int(r["frame"])), true_frames, strict=True):
        assert abs(int(row["frame"]) - frame) <= 3
        assert float(row["time_s"]) == pytest.approx(int(row["frame"]) / truth.fps, abs=0.06)
        assert int(row["track"]) > 0


def test_video_corrupt_in_the_middle_is_counted_around_the_damage_and_says_so(
        clip: tuple[Path, GroundTruth], tmp_path: Path) -> None:
    path, truth = clip
    data = bytearray(path.read_bytes())
    third = len(data) // 3
    data[third:third + len(data) // 4] = random.Random(7).randbytes(len(data) // 4)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(data)

    run = count_video(broken, "--detector", "hog", "--json")
    assert run.returncode == 3, run.stderr
    out = json.loads(run.stdout)
    assert out["frames_total"] == truth.frames
    assert out["undecodable"] and out["frames_read"] < truth.frames
    first, last = out["undecodable"][0]
    assert 0 < first <= last < truth.frames - 1  # it went on after the damage
    assert out["frames_read"] + sum(b - a + 1 for a, b in out["undecodable"]) == truth.frames
    assert f"frames {first}-{last}" in run.stderr and "could not be decoded" in run.stderr

    table = count_video(broken, "--detector", "hog")
    assert table.returncode == 3
    assert f"{out['frames_read']} of {truth.frames} frames" in table.stdout
    assert "INCOMPLETE" in table.stdout


def test_routes_matrix_of_a_scene_with_known_routes(tmp_path: Path) -> None:
    from workers.samples.route_scenes import make_route_scene, route_zone_set
    from workers.samples.scenarios import write

    scene, truth = make_route_scene(people=5, seed=1)
    video = tmp_path / write(scene, tmp_path / "routes.mp4").video
    zones = tmp_path / "zones.json"
    zones.write_text(route_zone_set().model_dump_json())
    run = count_video(video, "--detector", "hog", "--zones", zones, "--fps", "5")
    assert run.returncode == 0, run.stderr
    names = {"west": "West", "east": "East"}
    expected = {(names[a], names[b]): n for (a, b), n in truth.matrix().items()}
    matrix = run.stdout[run.stdout.index("from \\ to"):]
    assert re.match(r"from \\ to\s+West\s+East$", matrix, re.M), run.stdout
    for origin in ("West", "East"):  # a row per origin, a column per destination
        row = re.search(rf"^{origin}\s+(\S+)\s+(\S+)$", matrix, re.M)
        assert row, run.stdout
        assert [int(v) for v in row.groups()] == [expected.get((origin, d), 0)
                                                   for d in ("West", "East")], run.stdout
    out = counted(video, "--detector", "hog", "--zones", zones, "--fps", "5")
    assert {(r["origin"], r["destination"]): r["count"] for r in out["routes"].values()
            if r["count"]} == expected
