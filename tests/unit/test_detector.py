"""Detectors, the factory's fallback, trackers, the motion gate and the pipeline's static hold."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from workers.contracts.zones import ZoneSet
from workers.detector.base import Detections, Detector, DetectorConfig
from workers.detector.factory import create_detector
from workers.detector.hog import HogDetector
from workers.detector.motion import MotionGate, Verdict
from workers.detector.pipeline import CameraPipeline
from workers.detector.tracking import ByteTracker, IouTracker
from workers.samples import Scene, make_scene
from workers.samples.synth import background

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
#: the full-body people of bus.jpg, and the two cut off by its edges
BUS_PEOPLE = [(48, 392, 252, 906), (220, 398, 350, 862), (668, 380, 810, 880), (0, 548, 66, 875)]
MAN_IN_COAT = BUS_PEOPLE[0]


def bus_jpg() -> np.ndarray:
    import importlib.util

    spec = importlib.util.find_spec("ultralytics")
    assert spec is not None and spec.origin is not None
    return cv2.imread(str(Path(spec.origin).parent / "assets" / "bus.jpg"))


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union


def inside(box: tuple[float, ...], person: tuple[float, ...]) -> float:
    """Share of ``box`` that lies on ``person``."""
    w = max(0.0, min(box[2], person[2]) - max(box[0], person[0]))
    h = max(0.0, min(box[3], person[3]) - max(box[1], person[1]))
    return w * h / ((box[2] - box[0]) * (box[3] - box[1]))


# -- HOG --------------------------------------------------------------------------------------
def test_hog_finds_the_people_in_bus_jpg_and_nothing_on_empty_scenes() -> None:
    hog = HogDetector()
    found = hog.detect(bus_jpg())
    boxes = [tuple(b) for b in found.xyxy.tolist()]
    assert set(found.class_id.tolist()) == {0} and found.names[0] == "person"
    assert np.all((found.confidence > 0) & (found.confidence <= 1))
    on_people = [b for b in boxes if max(inside(b, p) for p in BUS_PEOPLE) >= 0.3]
    assert len(on_people) >= 2 and on_people == boxes  # people only: nothing on the bus or facade
    assert max(iou(b, MAN_IN_COAT) for b in boxes) >= 0.6
    assert len(hog.detect(np.zeros((540, 960, 3), np.uint8))) == 0
    assert len(hog.detect(background(960, 540))) == 0
    assert hog.model_version == "opencv-hog" and not hog.is_fallback


# -- YOLO, on models built from yolo11n.yaml (random weights, no download) ----------------------
def assert_well_formed(found: Detections) -> None:
    n = len(found)
    assert found.xyxy.shape == (n, 4) and found.xyxy.dtype == np.float32
    assert found.confidence.shape == (n,) and found.class_id.shape == (n,)
    assert np.all((found.confidence >= 0) & (found.confidence <= 1))
    assert set(found.class_id.tolist()) <= {0}  # classes=["person"]
    assert found.names[0] == "person"  # COCO names, though the .yaml model numbers its classes


def test_yolo_built_from_yaml_runs_on_pytorch() -> None:
    det = create_detector(DetectorConfig(kind="yolo", model="yolo11n.yaml", backend="pytorch",
                                         imgsz=320, confidence=0.01))
    assert det.model_version == "yolo11n.yaml/pytorch@320" and not det.is_fallback
    assert_well_formed(det.detect(bus_jpg()))


@pytest.fixture(scope="module")
def random_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real weights file with random weights, saved the way ultralytics saves trained ones."""
    from ultralytics import YOLO

    path = tmp_path_factory.mktemp("weights") / "rand.pt"
    YOLO("yolo11n.yaml").save(path)
    return path


def test_onnx_export_is_made_once_beside_the_weights_and_reused(random_weights: Path) -> None:
    config = DetectorConfig(kind="yolo", model=str(random_weights), backend="onnx", imgsz=320)
    first = create_detector(config)
    assert first.model_version == "rand.pt/onnx@320"
    assert not first.export_reused
    assert first.export_path.parent.parent == random_weights.parent / "camcount-exports"
    assert_well_formed(first.detect(bus_jpg()))
    made = first.export_path.stat().st_mtime_ns

    again = create_detector(config)
    assert again.export_reused and again.export_path == first.export_path
    assert again.export_path.stat().st_mtime_ns == made
    assert_well_formed(again.detect(cv2.resize(bus_jpg(), (960, 540))))  # dynamic input shape

    other_size = create_detector(DetectorConfig(kind="yolo", model=str(random_weights),
                                                backend="onnx", imgsz=416))
    assert not other_size.export_reused and other_size.export_path != first.export_path


def test_an_export_is_made_in_a_child_and_leaves_no_torch_in_the_detector(
        random_weights: Path, tmp_path: Path) -> None:
    """Exporting imports ultralytics and torch (~700 MB): the process that asked for the export
    runs it on OpenVINO and never imports them itself."""
    weights = tmp_path / "fresh.pt"  # weights never exported before
    weights.write_bytes(random_weights.read_bytes())
    code = ("import sys, numpy as np\n"
            "from workers.detector.base import DetectorConfig\n"
            "from workers.detector.factory import create_detector\n"
            f"d = create_detector(DetectorConfig(kind='yolo', model={str(weights)!r}, "
            "backend='openvino', imgsz=320, confidence=0.0))\n"
            "found = d.detect(np.full((540, 960, 3), 90, np.uint8))\n"
            "print(d.model_version, d.export_reused, len(found))\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'ultralytics'}))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    *_, made, heavy = run.stdout.splitlines()
    version, reused, boxes = made.split()
    assert (version, reused) == ("fresh.pt/openvino@320", "False")
    assert int(boxes) > 0  # random weights at confidence 0: boxes, from the export
    assert heavy == "[]", "the detector process imported torch or ultralytics"
    assert list((tmp_path / "camcount-exports").glob("fresh-openvino-320-*/fresh_openvino_model"))


# -- choosing a detector -------------------------------------------------------------------------
def test_auto_falls_back_to_hog_with_the_reason(tmp_path: Path) -> None:
    missing = tmp_path / "models" / "best.pt"
    det = create_detector(DetectorConfig(model=str(missing)))
    assert isinstance(det, HogDetector) and det.is_fallback
    assert str(missing) in det.fallback_reason and "CAMCOUNT_MODEL" in det.fallback_reason
    assert det.model_version.startswith("opencv-hog (fallback: ")

    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"not a checkpoint")
    det = create_detector(DetectorConfig(model=str(corrupt)))
    assert det.is_fallback and "cannot be loaded" in det.fallback_reason


def test_a_detector_that_may_not_download_falls_back_without_reaching_out() -> None:
    """The console's local mode: a bare ultralytics name not on disk is not fetched."""
    code = ("import sys; from workers.detector.base import DetectorConfig; "
            "from workers.detector.factory import create_detector; "
            "d = create_detector(DetectorConfig(model='camcount-not-a-model.pt', download=False)); "
            "print(d.fallback_reason); print('requests' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout.splitlines()
    assert out[0].startswith("no YOLO weights: camcount-not-a-model.pt is not on disk (not "
                             "downloaded here). Put weights at ")
    assert out[1] == "False", "the download code (and its HTTP client) was not even imported"


def test_model_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMCOUNT_MODEL", str(tmp_path / "from-env.pt"))
    det = create_detector(DetectorConfig())
    assert det.is_fallback and "from-env.pt" in det.fallback_reason


def test_kind_yolo_refuses_to_fall_back(tmp_path: Path) -> None:
    from workers.detector.yolo import ModelUnavailableError

    with pytest.raises(ModelUnavailableError, match="no YOLO weights: .*missing.pt does not exist"):
        create_detector(DetectorConfig(kind="yolo", model=str(tmp_path / "missing.pt")))


def test_unknown_class_name_is_an_error_not_a_fallback() -> None:
    with pytest.raises(ValueError, match="unknown class name.*persn"):
        create_detector(DetectorConfig(model="yolo11n.yaml", backend="pytorch", classes=["persn"]))


@pytest.mark.parametrize("kind", ["hog", "auto"])
def test_hog_counts_without_loading_torch(kind: str) -> None:
    """HOG chosen, or fallen back to for want of weights (local mode: no download), detects,
    tracks and counts without importing torch or ultralytics: torch alone costs ~650 MB."""
    code = ("import sys\n"
            "from datetime import UTC, datetime, timedelta\n"
            "from workers.contracts.zones import ZoneSet\n"
            "from workers.detector.base import DetectorConfig\n"
            "from workers.detector.factory import create_detector\n"
            "from workers.detector.pipeline import CameraPipeline\n"
            "from workers.samples import make_scene\n"
            f"config = DetectorConfig(kind={kind!r}, model='camcount-missing.pt', download=False)\n"
            "det = create_detector(config)\n"
            "zones = ZoneSet(camera_id='c', frame_width=960, frame_height=540,\n"
            "                lines=[{'id': 'door', 'points': [[480, 540], [480, 0]]}])\n"
            "pipe, t0 = CameraPipeline(det, zones, config), datetime(2025, 1, 1, tzinfo=UTC)\n"
            "for i, img in enumerate(make_scene(people=2, seed=3).frames()):\n"
            "    out = pipe.process(img, t0 + timedelta(seconds=i / 10))\n"
            "print(det.model_version.split()[0], out.counting.count_in, out.counting.count_out)\n"
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'ultralytics'})\n"
            "sys.exit(f'imported {heavy}' if heavy else 0)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.split() == ["opencv-hog", "1", "1"], "one walker in, one out, counted by HOG"


def test_weights_folder_is_read_as_ultralytics_reads_it() -> None:
    """Weights are looked for in ultralytics' weights folder without importing it; same folder."""
    from ultralytics.utils import SETTINGS

    from workers.detector.yolo import ultralytics_weights_dir

    assert ultralytics_weights_dir() == Path(SETTINGS["weights_dir"])


# -- tracking ------------------------------------------------------------------------------------
def walk(x0: float, step: float, frames: int, y: float = 200.0) -> list[tuple[float, ...]]:
    """A 60x160 box walking sideways ``step`` px a frame."""
    return [(x0 + i * step, y, x0 + i * step + 60, y + 160) for i in range(frames)]


def dets(*boxes: tuple[float, ...]) -> Detections:
    return Detections(np.array(boxes, np.float32).reshape(-1, 4), np.full(len(boxes), 0.8, np.float32),
                      np.zeros(len(boxes), int), {0: "person"})


@pytest.mark.parametrize("make", [
    lambda: ByteTracker(5.0),
    lambda: ByteTracker(5.0, botsort=True),
    lambda: IouTracker(5.0),
], ids=["bytetrack", "botsort", "iou"])
def test_tracker_keeps_ids_of_people_walking_at_5_fps(make) -> None:
    tracker = make()
    # at 5 fps a walker moves ~half their width a frame; two walk towards each other, apart
    right = walk(0, 30, 20)
    left = walk(1200, -30, 20, y=500)
    img = np.zeros((720, 1280, 3), np.uint8)
    ids = []
    for i, (a, b) in enumerate(zip(right, left, strict=True)):
        tracks = tracker.update(dets(a, b) if i != 7 else dets(a), img)  # b missed once
        ids.append({round(t.xyxy[1]): t.track_id for t in tracks})
    assert len({d[200] for d in ids[2:]}) == 1
    assert len({d[500] for d in ids[2:] if 500 in d}) == 1
    assert ids[-1][200] != ids[-1][500]
    assert 500 not in ids[7] and 500 in ids[8]  # the missed one comes back under its own id


# -- motion gate ---------------------------------------------------------------------------------
def visible(scene: Scene, frame: int) -> list:
    """Each walker's box, if 16+ px of them are in the picture (a thinner sliver is no one)."""
    return [b if b and b[2] - b[0] >= 16 else None for b in (w.box_at(frame) for w in scene.truth.walkers)]


def test_motion_gate_skips_a_static_scene_but_looks_again_every_5_s() -> None:
    gate = MotionGate()
    still = background(960, 540)
    verdicts = [gate.check(still.copy(), T0 + timedelta(seconds=i / 10)) for i in range(120)]
    assert verdicts[0] is Verdict.FIRST
    assert [i for i, v in enumerate(verdicts) if v is Verdict.REFRESH] == [50, 100]
    assert verdicts.count(Verdict.STATIC) == 117


def test_motion_gate_never_skips_a_frame_in_which_someone_moved() -> None:
    """Skipped frames reuse the last inference, so nobody visible may have moved since then."""
    scene = make_scene(people=4, seed=5)
    gate = MotionGate()
    reference, skipped = 0, 0
    for i, img in enumerate(scene.frames()):
        if gate.check(img, T0 + timedelta(seconds=i / 10)).infer:
            reference = i
        else:
            skipped += 1
            assert visible(scene, i) == visible(scene, reference), f"{i} skipped, moved since {reference}"
    assert skipped >= 5  # the street is empty between walkers


# -- pipeline -----------------------------------------------------------------------------------
class Flickering(Detector):
    """Sees one standing person, except on the calls listed in ``misses``."""

    model_version = "flickering"

    def __init__(self, misses: set[int]) -> None:
        self.calls = 0
        self.misses = misses

    def detect(self, image_bgr: np.ndarray, classes=None) -> Detections:
        self.calls += 1
        return dets() if self.calls in self.misses else dets((400, 200, 460, 360))


def test_standing_person_survives_skipped_frames_and_a_missed_refresh() -> None:
    zones = ZoneSet(camera_id="c", frame_width=960, frame_height=540,
                    zones=[{"id": "desk", "points": [[300, 300], [600, 300], [600, 450], [300, 450]]}])
    detector = Flickering(misses={2})  # the first refresh, 5 s in, misses them
    pipe = CameraPipeline(detector, zones, DetectorConfig(kind="hog"))
    still = background(960, 540)
    events, occupancy = [], []
    for i in range(120):  # 12 s of a still picture at 10 fps
        out = pipe.process(still, T0 + timedelta(seconds=i / 10))
        events += out.counting.events
        occupancy.append(out.counting.zone_analysis["desk"].occupancy)
        assert [d.track_id for d in out.detections] == [1], f"frame {i}"
    assert detector.calls == 3 and pipe.stats.inferences == 3 and pipe.stats.skipped == 117
    assert [(e.kind, e.direction) for e in events] == [("zone", "in")]  # no exit and re-entry
    # counted once seen on min_track_frames (3) frames in a row, entry dated to the first
    assert occupancy[:2] == [0, 0] and occupancy[2:] == [1] * 118
    assert out.counting.zone_analysis["desk"].dwell_seconds[1] == pytest.approx(11.9)


def test_motion_is_never_skipped_and_tracks_follow_it() -> None:
    scene = make_scene(people=2, seed=3)
    pipe = CameraPipeline(HogDetector(), ZoneSet(camera_id="c", frame_width=960, frame_height=540),
                          DetectorConfig(kind="hog"))
    previous: list = []
    tracked = set()
    for i, img in enumerate(scene.frames()):
        out = pipe.process(img, T0 + timedelta(seconds=i / 10))
        now = visible(scene, i)
        assert not (out.motion_skipped and now != previous), f"frame {i}: skipped, yet someone moved"
        assert out.processing_time > 0
        tracked |= {d.track_id for d in out.detections}
        previous = now
    assert pipe.stats.frames == scene.truth.frames and pipe.stats.skipped > 0
    assert pipe.stats.mean_inference_ms > 0
    assert len(tracked) == 2  # one id per walker, none lost and renewed on the way


async def test_one_weights_file_under_two_spellings_is_loaded_once(
        random_weights: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from workers.detector.models import ModelCache

    monkeypatch.chdir(random_weights.parent.parent)
    relative = f"./{random_weights.parent.name}/../{random_weights.parent.name}/rand.pt"
    with ThreadPoolExecutor(1) as pool:
        cache = ModelCache(DetectorConfig(kind="yolo", backend="pytorch", imgsz=320), pool)
        first = await cache.get(str(random_weights))
        assert await cache.get(relative) is first
        assert cache.loaded == [f"{random_weights}@320"]  # pytest makes it already resolved
        cache.keep_only({(relative, None)})  # a camera still names it, spelt the other way
        assert cache.loaded == [f"{random_weights}@320"]
        cache.keep_only(set())
        assert cache.loaded == []


@pytest.mark.parametrize("make", [
    lambda: ByteTracker(10.0),
    lambda: ByteTracker(10.0, botsort=True),
], ids=["bytetrack", "botsort"])
def test_a_lost_track_seen_on_a_few_frames_is_given_up_not_taken_by_the_next_passer_by(make) -> None:
    tracker = make()
    img = np.zeros((720, 1280, 3), np.uint8)
    # a false hit (or someone barely seen) on 3 frames at x=600, then nothing there
    first = {tracker.update(dets((600, 200, 660, 360)), img)[0].track_id for _ in range(3)}
    for _ in range(4):
        tracker.update(dets(), img)
    # someone else walks through the same place: a new id, not the old one taken over
    later = {t.track_id for t in tracker.update(dets((605, 200, 665, 360)), img)}
    later |= {t.track_id for t in tracker.update(dets((610, 200, 670, 360)), img)}
    assert len(first) == 1 and later and not later & first
    # one followed for longer and lost as briefly comes back under their own id
    kept = {t.track_id for x in range(0, 200, 20)
            for t in tracker.update(dets((x, 500, x + 60, 660)), img)}
    for _ in range(4):
        tracker.update(dets(), img)
    back = {t.track_id for t in tracker.update(dets((280, 500, 340, 660)), img)}
    assert len(kept) == 1 and back == kept
