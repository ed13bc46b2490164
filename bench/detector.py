"""Detector speed on this machine's CPU: PyTorch vs ONNX Runtime vs OpenVINO, motion skipping, HOG.

    python bench/detector.py

1. YOLO frames/s at imgsz 640, 416 and 320 on each backend, on real images (sample-video frames
   and ultralytics' bus.jpg / zidane.jpg), through ``YoloDetector`` as the worker uses it. A
   runtime's speed-up is against PyTorch at the same input size, in the same run; what a smaller
   input gains (and costs: recall on small, distant people) is a separate table. Configurations
   take turns over several rounds and report their median, so load from other processes hits
   them all alike. The model is built from ``yolo11n.yaml``: random weights run at the same
   speed as trained ones and need no download. Exports are cached like the worker's, so a
   second run skips them;
2. the DEFAULT ``DetectorConfig``'s runtime against PyTorch at its size;
3. motion skipping through ``CameraPipeline`` with the default detector: a static scene, and
   the sample video at the camera worker's default analysis rate (5 fps);
4. the OpenCV HOG fallback;
5. OpenVINO at 640 across cameras: the throughput hint (frames side by side on its infer
   requests, as ``--throughput`` runs it) against one frame at a time with the latency hint.
Ends with one line of JSON holding the figures.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workers.contracts.zones import ZoneSet  # noqa: E402
from workers.detector.base import Detector, DetectorConfig  # noqa: E402
from workers.detector.factory import create_detector  # noqa: E402
from workers.detector.hog import HogDetector  # noqa: E402
from workers.detector.pipeline import CameraPipeline  # noqa: E402
from workers.samples.synth import background  # noqa: E402

SAMPLE = ROOT / "resources" / "samples" / "entrance.mp4"
MODEL = "yolo11n.yaml"
MIN_SECONDS = 1.5  # per configuration and round
MIN_FRAMES = 6
ROUNDS = 3
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def images() -> list[np.ndarray]:
    import ultralytics

    assets = Path(ultralytics.__file__).parent / "assets"
    out = [cv2.imread(str(assets / n)) for n in ("bus.jpg", "zidane.jpg")]
    cap = cv2.VideoCapture(str(SAMPLE))
    for i in (30, 95, 150, 220):  # frames with walkers in view
        cap.set(cv2.CAP_PROP_POS_FRAMES, i)
        ok, frame = cap.read()
        if ok:
            out.append(frame)
    cap.release()
    return out


def video(path: Path, every: int = 1) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    frames, i = [], 0
    while cap.grab():
        if i % every == 0:
            frames.append(cap.retrieve()[1])
        i += 1
    cap.release()
    return frames


def rate(step: Callable[[int], object]) -> float:
    """Calls per second of ``step(i)``, after two warm-up calls, for at least MIN_SECONDS."""
    step(0)
    step(1)
    n, start = 0, time.perf_counter()
    while n < MIN_FRAMES or time.perf_counter() - start < MIN_SECONDS:
        step(n)
        n += 1
    return n / (time.perf_counter() - start)


def detector_fps(det: Detector, imgs: list[np.ndarray]) -> float:
    return rate(lambda i: det.detect(imgs[i % len(imgs)]))


def pipeline_run(det: Detector, frames: list[np.ndarray], fps: float, skip: bool) -> dict[str, float]:
    h, w = frames[0].shape[:2]
    zones = ZoneSet(camera_id="bench", frame_width=w, frame_height=h,
                    lines=[{"id": "door", "points": [[w / 2, h], [w / 2, 0]]}])
    pipe = CameraPipeline(det, zones, replace(DetectorConfig(), motion_skip=skip))
    start = time.perf_counter()
    for i, frame in enumerate(frames):
        pipe.process(frame, T0 + timedelta(seconds=i / fps))
    elapsed = time.perf_counter() - start
    return {"fps": round(len(frames) / elapsed, 2),
            "skipped": round(pipe.stats.skipped / pipe.stats.frames, 3)}


def main() -> None:
    import torch

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Inference runs one image at a time on every core (the worker's inference executor has one
    # thread), so torch gets one thread per core, as ONNX Runtime and OpenVINO do by default.
    torch.set_num_threads(os.cpu_count() or 1)  # YoloDetector keeps this setting
    imgs = images()
    default = DetectorConfig()
    print(f"CPU: {os.cpu_count()} cores, torch {torch.__version__} on {torch.get_num_threads()} "
          f"threads; model {MODEL} (random weights); {len(imgs)} real images")

    configs = [(b, size) for b in ("pytorch", "onnx", "openvino") for size in (640, 416, 320)]
    dets = {c: create_detector(DetectorConfig(kind="yolo", model=MODEL, backend=c[0], imgsz=c[1]))
            for c in configs}
    runs: dict[tuple[str, int], list[float]] = {c: [] for c in configs}
    for _ in range(ROUNDS):
        for c, det in dets.items():
            runs[c].append(detector_fps(det, imgs))
    rows: list[dict[str, object]] = []
    for (backend, imgsz), fps_runs in runs.items():
        fps = float(np.median(fps_runs))
        rows.append({"backend": backend, "imgsz": imgsz, "fps": round(fps, 2),
                     "ms": round(1000 / fps, 1), "model_version": dets[backend, imgsz].model_version})
    fps_of = {(r["backend"], r["imgsz"]): r["fps"] for r in rows}
    base = fps_of["pytorch", 640]
    for r in rows:
        # the runtime's speed-up: against PyTorch at the same input size
        r["runtime_ratio"] = round(r["fps"] / fps_of["pytorch", r["imgsz"]], 2)
        # the input size's: against the same runtime at 640 (fewer pixels, not a faster runtime)
        r["size_ratio"] = round(r["fps"] / fps_of[r["backend"], 640], 2)
        r["default"] = (r["backend"], r["imgsz"]) == (default.backend, default.imgsz)

    print("\nYOLO per image: runtimes at equal input size (ratio to PyTorch at that size)")
    print(f"{'imgsz':>5} {'backend':<10} {'ms':>7} {'frames/s':>9} {'runtime':>8}")
    for imgsz in (640, 416, 320):
        for r in (r for r in rows if r["imgsz"] == imgsz):
            mark = "  <- default" if r["default"] else ""
            print(f"{imgsz:>5} {r['backend']:<10} {r['ms']:>7} {r['fps']:>9} "
                  f"{r['runtime_ratio']:>7}x{mark}")
    print("\nInput size, a separate choice: frames/s against 640 on the same runtime. Fewer pixels:")
    print("people appear smaller to the model, and small, distant people are missed sooner.")
    print(f"{'backend':<10}" + "".join(f"{s:>8}" for s in (640, 416, 320)))
    size_ratio = {(r["backend"], r["imgsz"]): r["size_ratio"] for r in rows}
    for backend in ("pytorch", "onnx", "openvino"):
        print(f"{backend:<10}" + "".join(f"{size_ratio[backend, s]:>7}x" for s in (640, 416, 320)))

    # across cameras: OpenVINO's throughput hint, frames side by side on its infer requests,
    # against one frame at a time with the latency hint (the worker's --throughput), at 640
    fast = create_detector(DetectorConfig(kind="yolo", model=MODEL, backend="openvino",
                                          imgsz=640, throughput=True))
    per_call = 2 * fast.lanes
    across: dict[str, list[float]] = {"latency": [], "throughput": []}
    for _ in range(ROUNDS):
        across["latency"].append(detector_fps(dets["openvino", 640], imgs))
        across["throughput"].append(per_call * rate(lambda i: fast.detect_many(
            [imgs[(i * per_call + k) % len(imgs)] for k in range(per_call)], [None] * per_call)))
    hint = {k: round(float(np.median(v)), 2) for k, v in across.items()}
    print(f"\nOpenVINO at 640 across cameras: {hint['latency']} frames/s one at a time (latency "
          f"hint), {hint['throughput']} with the throughput hint ({fast.lanes} infer requests, "
          f"{per_call} frames a call): {hint['throughput'] / hint['latency']:.2f}x")

    det = dets[default.backend, default.imgsz]
    static = [background(960, 540)] * 100
    sample = video(SAMPLE, every=2)  # the 10 fps sample at the camera worker's default 5 fps
    motion = {
        "static_skip": pipeline_run(det, static, 5.0, True),
        "static_no_skip": pipeline_run(det, static[:30], 5.0, False),
        "sample_skip": pipeline_run(det, sample, 5.0, True),
        "sample_no_skip": pipeline_run(det, sample, 5.0, False),
    }
    print(f"\nCameraPipeline, default config ({det.model_version}), frames/s incl. tracking and counting")
    print(f"{'scene':<28} {'skip off':>9} {'skip on':>9} {'skipped':>8}")
    for name, label in (("static", "static scene (100 frames)"),
                        ("sample", f"sample video ({len(sample)} frames)")):
        on, off = motion[f"{name}_skip"], motion[f"{name}_no_skip"]
        print(f"{label:<28} {off['fps']:>9} {on['fps']:>9} {on['skipped']:>7.0%}")

    hog_fps = detector_fps(HogDetector(), imgs[2:])  # camera frames only
    print(f"\nOpenCV HOG fallback on 960x540 sample frames: {hog_fps:.1f} frames/s")

    default_row = next(r for r in rows if r["default"])
    print(f"\nDEFAULT {default.backend}@{default.imgsz}: {default_row['runtime_ratio']}x PyTorch at "
          f"the same size ({default_row['fps']} vs {fps_of['pytorch', default.imgsz]} frames/s); with "
          f"motion skipping on the sample video, the pipeline runs "
          f"{motion['sample_skip']['fps'] / base:.2f}x PyTorch@640's inference rate")
    print(json.dumps({
        "cpu_cores": os.cpu_count(), "torch_threads": torch.get_num_threads(), "model": MODEL,
        "yolo": rows, "baseline_fps": base, "default": f"{default.backend}@{default.imgsz}",
        "default_runtime_ratio": default_row["runtime_ratio"], "pipeline": motion,
        "hog_fps": round(hog_fps, 2), "openvino_640_across_cameras": hint,
    }, separators=(",", ":")))


if __name__ == "__main__":
    main()
