"""The synthetic sample generator: known counts, sane motion, readable video, HOG-visible people."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np
import pytest

from workers.geometry import side
from workers.samples import FULL_CAST, GroundTruth, generate, make_scene
from workers.samples.__main__ import main
from workers.samples.synth import background

W, H = 960, 540


@pytest.fixture(scope="module")
def truth() -> GroundTruth:
    return make_scene(people=7, seed=3).truth


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    path = tmp_path_factory.mktemp("synth") / "walk.mp4"
    return path, generate(path, people=4, seed=5)


def _frames(path: Path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while (got := cap.read())[0]:
        frames.append(got[1])
    cap.release()
    return frames


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def test_counts_match_the_walkers(truth: GroundTruth) -> None:
    directions = [w.direction for w in truth.walkers]
    assert (truth.count_in, truth.count_out) == (directions.count("in"), directions.count("out"))
    assert (truth.count_in, truth.count_out) == (4, 3)  # the odd walker goes in
    assert truth.line == (W // 2, H, W // 2, 0)


def test_each_walker_crosses_the_line_once_entering_and_leaving_fully(truth: GroundTruth) -> None:
    p1, p2 = truth.line[:2], truth.line[2:]
    for w in truth.walkers:
        sides = [side(p1, p2, ((x1 + x2) / 2, y2)) for x1, _, x2, y2 in w.boxes]
        changes = [i for i in range(1, len(sides)) if sides[i] != sides[i - 1]]
        assert len(changes) == 1
        assert w.first_frame + changes[0] == w.cross_frame
        assert sides[-1] == (1 if w.direction == "in" else -1)  # "in" ends right of P1->P2
        entry, exit_ = (0, W) if w.direction == "in" else (W, 0)
        assert entry in (w.boxes[0][0], w.boxes[0][2]) and exit_ in (w.boxes[-1][0], w.boxes[-1][2])
        assert w.first_frame > 0 and w.last_frame < truth.frames - 1  # off screen before and after
        assert w.first_frame < w.full_frames[0] < w.cross_frame < w.full_frames[1] < w.last_frame


def test_walkers_are_big_never_crowd_and_never_touch(truth: GroundTruth) -> None:
    for w in truth.walkers:
        x1, y1, x2, y2 = w.box_at(w.cross_frame)
        assert y2 - y1 >= 200 and y2 <= H
    for f in range(truth.frames):
        boxes = [b for w in truth.walkers if (b := w.box_at(f))]
        assert len(boxes) <= 2
        if len(boxes) == 2:
            (a1, _, a2, _), (b1, _, b2, _) = boxes
            assert a2 <= b1 or b2 <= a1


def test_walk_at_walking_speed(truth: GroundTruth) -> None:
    for w in truth.walkers:
        x1, y1, x2, y2 = w.box_at(w.cross_frame)
        px_per_m = (y2 - y1) / 1.75
        step = abs(w.box_at(w.cross_frame + 1)[0] - x1)
        assert 0.9 <= step * truth.fps / px_per_m <= 1.8  # metres per second


def test_same_seed_same_video_other_seed_other_video() -> None:
    a, b = make_scene(people=3, seed=11), make_scene(people=3, seed=11)
    assert asdict(a.truth) == asdict(b.truth)
    assert all(np.array_equal(x, y) for x, y in zip(a.frames(), b.frames(), strict=True))
    assert asdict(make_scene(people=3, seed=12).truth) != asdict(a.truth)


def test_seconds_spreads_walkers_or_refuses() -> None:
    truth = make_scene(people=3, seconds=40, seed=1).truth
    assert truth.frames == 400
    starts = [w.first_frame for w in truth.walkers]
    assert starts[0] > 50 and truth.frames - truth.walkers[-1].last_frame > 50  # room all round
    with pytest.raises(ValueError, match="need at least"):
        make_scene(people=10, seconds=5)


def test_overlap_is_opt_in() -> None:
    packed = make_scene(people=6, seed=3, allow_overlap=True).truth
    apart = make_scene(people=6, seed=3).truth
    assert packed.frames < apart.frames


def test_cast() -> None:
    looks = {w.look.split("/")[0] for w in make_scene(people=6, seed=3, cast=FULL_CAST).truth.walkers}
    assert looks == set(FULL_CAST)
    with pytest.raises(ValueError, match="cast"):
        make_scene(cast=("nobody",))


def test_video_opens_with_the_promised_frames_size_and_truth(video: tuple[Path, GroundTruth]) -> None:
    path, truth = video
    cap = cv2.VideoCapture(str(path))
    assert cap.isOpened()
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == truth.frames
    assert (cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (W, H)
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(10)
    cap.release()
    assert len(_frames(path)) == truth.frames
    assert truth.video == "walk.mp4"
    assert GroundTruth.load(path.with_suffix(".json")) == truth


def test_hog_sees_the_walkers_and_nothing_else(video: tuple[Path, GroundTruth]) -> None:
    """The sprites must read as people to a real detector, on decoded (compressed) frames."""
    path, truth = video
    hog = cv2.HOGDescriptor()
    hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())

    def detect(img: np.ndarray) -> list[tuple[float, ...]]:
        small = cv2.resize(img, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        rects, _ = hog.detectMultiScale(small, winStride=(8, 8), padding=(8, 8), scale=1.05)
        # The detector's window pads the person; trim it as OpenCV's peopledetect sample does.
        return [(2 * (x + 0.1 * w), 2 * (y + 0.05 * h), 2 * (x + 0.9 * w), 2 * (y + 0.95 * h))
                for x, y, w, h in rects]

    assert detect(background(W, H)) == []
    frames = _frames(path)
    hits = total = 0
    for w in truth.walkers:
        for f in range(w.full_frames[0], w.full_frames[1] + 1, 4):
            total += 1
            hits += any(_iou(w.box_at(f), d) >= 0.3 for d in detect(frames[f]))
    assert total >= 20
    assert hits / total >= 0.6, f"HOG found {hits} of {total} walkers"


def test_falls_back_to_mjpg_avi(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = cv2.VideoWriter

    def no_mp4v(path: str, fourcc: int, fps: float, size: tuple[int, int]) -> cv2.VideoWriter:
        return real() if fourcc == cv2.VideoWriter_fourcc(*"mp4v") else real(path, fourcc, fps, size)

    monkeypatch.setattr(cv2, "VideoWriter", no_mp4v)
    truth = generate(tmp_path / "x.mp4", people=1, size=(320, 180))
    assert truth.video == "x.avi" and not (tmp_path / "x.mp4").exists()
    assert len(_frames(tmp_path / "x.avi")) == truth.frames
    assert json.loads((tmp_path / "x.json").read_text())["video"] == "x.avi"


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main([str(tmp_path / "s.mp4"), "--people", "2", "--size", "320x180", "--fps", "5", "--seed", "4"])
    truth = GroundTruth.load(tmp_path / "s.json")
    assert (truth.width, truth.height, truth.fps, truth.seed) == (320, 180, 5, 4)
    assert "in=1 out=1" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([str(tmp_path / "t.mp4"), "--size", "big"])
