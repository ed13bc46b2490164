"""OpenVINO exports run without torch, and give the boxes ultralytics gives on the same export.

There are no trained weights on the machines this runs on, and a model built from
``yolo11n.yaml`` scores every anchor alike, so the comparison keeps everything (``conf=0``): all
300 boxes ultralytics keeps, their order, coordinates mapped back to frames of three shapes,
scores and classes, with and without a class filter.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from workers.detector.base import DetectorConfig
from workers.detector.factory import create_detector

ultralytics = pytest.importorskip("ultralytics")
pytest.importorskip("openvino")

IMGSZ = 320
CONFIG = DetectorConfig(kind="yolo", model="yolo11n.yaml", backend="openvino", imgsz=IMGSZ)


@pytest.fixture(scope="module")
def detector():
    return create_detector(CONFIG)  # exports once per machine (cached), then loads the export


def images() -> list[np.ndarray]:
    assets = Path(ultralytics.__file__).parent / "assets"
    out = [cv2.imread(str(assets / n)) for n in ("bus.jpg", "zidane.jpg")]  # portrait, 16:9
    out.append(cv2.resize(out[0], (500, 333)))  # small, scaled up
    return out


@pytest.mark.parametrize("classes", [None, [0, 5]], ids=["all", "person+bus"])
def test_same_boxes_as_ultralytics(detector, classes: list[int] | None) -> None:
    from ultralytics import YOLO

    assert type(detector._model).__name__ == "OpenVinoModel"
    theirs = YOLO(str(detector.export_path), task="detect")
    for image in images():
        expected = theirs.predict(image, imgsz=IMGSZ, conf=0.0, classes=classes,
                                  verbose=False)[0].boxes.cpu().numpy()
        xyxy, conf, cls = detector._model.predict(image, IMGSZ, 0.0, classes)
        assert len(xyxy) == len(expected.xyxy) > 0
        np.testing.assert_allclose(xyxy, expected.xyxy, atol=1e-3)
        np.testing.assert_allclose(conf, expected.conf, rtol=1e-5)
        np.testing.assert_array_equal(cls, expected.cls)


def test_a_cached_openvino_export_runs_without_torch(detector) -> None:
    code = ("import sys, numpy as np\n"
            "from workers.detector.base import DetectorConfig\n"
            "from workers.detector.factory import create_detector\n"
            f"d = create_detector(DetectorConfig(kind='yolo', model='yolo11n.yaml', "
            f"backend='openvino', imgsz={IMGSZ}))\n"
            "d.detect(np.zeros((540, 960, 3), np.uint8))\n"
            "print(d.model_version, d.export_reused)\n"
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'ultralytics'})\n"
            "sys.exit(f'imported {heavy}' if heavy else 0)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.split() == [f"yolo11n.yaml/openvino@{IMGSZ}", "True"]


def test_throughput_mode_gives_the_same_boxes_from_several_threads_and_in_one_call(
        detector) -> None:
    """The THROUGHPUT hint runs frames side by side on separate infer requests: each frame's
    boxes are the ones one inference at a time gives, however the calls interleave."""
    fast = create_detector(replace(CONFIG, throughput=True))
    assert fast._model.throughput and fast.lanes == fast._model.requests >= 1
    frames = images() * 3
    expected = [detector._model.predict(image, IMGSZ, 0.0, None) for image in frames]
    with ThreadPoolExecutor(fast.lanes + 1) as pool:  # more callers than requests: some wait
        threaded = list(pool.map(lambda image: fast._model.predict(image, IMGSZ, 0.0, None),
                                 frames))
    together = fast._model.predict_many(frames, IMGSZ, 0.0, None)
    for mine in (threaded, together):
        assert len(mine) == len(expected)
        for (xyxy, conf, cls), (want_xyxy, want_conf, want_cls) in zip(mine, expected,
                                                                      strict=True):
            assert len(xyxy) == len(want_xyxy) > 0
            np.testing.assert_allclose(xyxy, want_xyxy, atol=1e-2)
            np.testing.assert_allclose(conf, want_conf, rtol=1e-3)
            np.testing.assert_array_equal(cls, want_cls)
    found = fast.detect_many(frames[:3], [None] * 3)
    assert [len(f) for f in found] == [len(fast.detect(image)) for image in frames[:3]]
