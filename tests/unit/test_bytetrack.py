"""Our torch-free ByteTrack gives exactly ultralytics' tracks, with stock and with CamCount's settings.

Counting results depend on every id the tracker gives, so "close" is not enough: both trackers get
the same detections (people walking, crossing, missed, flickering at low scores, false hits) and
every output row and every lost id must be equal, frame after frame.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workers.detector import bytetrack
from workers.detector.tracking import _Boxes, buffered_dists, retuned

ultralytics = pytest.importorskip("ultralytics")
from ultralytics.trackers.byte_tracker import BYTETracker  # noqa: E402
from ultralytics.utils import YAML, IterableSimpleNamespace  # noqa: E402


def scene(seed: int, frames: int = 300) -> list[_Boxes]:
    """Walkers (some crossing each other) with jitter, misses, low scores and one-frame ghosts."""
    rng = np.random.default_rng(seed)
    walkers = [(rng.uniform(0, 1200), rng.uniform(100, 500), rng.uniform(-40, 40), rng.uniform(-5, 5),
                rng.uniform(40, 90), rng.integers(0, frames - 20)) for _ in range(14)]
    out = []
    for f in range(frames):
        boxes, conf = [], []
        for x, y, vx, vy, w, start in walkers:
            if not start <= f < start + 60 or rng.random() < 0.12:
                continue
            cx, cy = x + vx * (f - start) + rng.normal(0, 3), y + vy * (f - start) + rng.normal(0, 3)
            boxes.append((cx, cy, cx + w, cy + 2.5 * w))
            conf.append(rng.uniform(0.05, 0.95))
        for _ in range(rng.poisson(0.5)):
            gx, gy = rng.uniform(0, 1200, 2)
            boxes.append((gx, gy, gx + 50, gy + 120))
            conf.append(rng.uniform(0.05, 0.6))
        xyxy = np.array(boxes, np.float32).reshape(-1, 4)
        out.append(_Boxes(xyxy, np.array(conf, np.float32), np.zeros(len(conf), np.float32)))
    return out


def stock() -> IterableSimpleNamespace:
    cfg = Path(ultralytics.__file__).parent / "cfg" / "trackers" / "bytetrack.yaml"
    return IterableSimpleNamespace(**YAML.load(cfg))


def test_stock_settings_are_ultralytics_yaml() -> None:
    ours = vars(bytetrack.STOCK_SETTINGS)
    assert {k: v for k, v in vars(stock()).items() if k in ours} == ours


@pytest.mark.parametrize("camcount_settings", [False, True], ids=["stock", "camcount"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_tracks_as_ultralytics(seed: int, camcount_settings: bool) -> None:
    settings = retuned(stock()) if camcount_settings else stock()
    if camcount_settings:
        class Theirs(BYTETracker):
            get_dists = staticmethod(buffered_dists)

        class Ours(bytetrack.BYTETracker):
            get_dists = staticmethod(buffered_dists)
    else:
        Theirs, Ours = BYTETracker, bytetrack.BYTETracker
    theirs, ours = Theirs(settings), Ours(settings)
    if camcount_settings:
        theirs.max_frames_lost = ours.max_frames_lost = 10
    tracked = 0
    for boxes in scene(seed):
        expected, got = theirs.update(boxes), ours.update(boxes)
        np.testing.assert_array_equal(got, expected)
        assert ({t.track_id for t in ours.lost_stracks}
                == {t.track_id for t in theirs.lost_stracks})
        tracked += len(got)
    assert tracked > 200  # the scene did keep the trackers busy
