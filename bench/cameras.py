"""Cameras one detector worker process serves at 5 frames/s, HOG and YOLO (OpenVINO, 640 px).

    python bench/cameras.py                       # about 8 minutes on the 2-core machine
    python bench/cameras.py "hog 1 lane" "hog 2 lanes"     # just these configurations

A detector worker runs as a process of its own on RabbitMQ (``camcount-worker detector``), and
this process plays more cameras than it can serve: each sends frames of the sample video
(people walking, so the motion gate rarely skips inference), 960x540 JPEG, at 5 frames/s,
stamped with their capture time. Over ``MEASURE_S`` seconds we count the frames it analysed
(results) per second, across cameras, and how old they were when their results came. Cameras
served = analysed frames/s / (5 frames/s x 90 %): what it could keep up with, every camera
getting at least 90 % of its frames analysed.

Configurations, in turns over the same machine, twice (the second round backwards), their mean
reported, so load from other processes hits them alike:
``1 lane`` is one inference at a time, as the worker did before inference lanes; the others
are lanes (cameras analysed at the same time) and batches (cameras' frames in one YOLO call).
With ``CAMCOUNT_BENCH_BEFORE=PATH`` (a checkout of an older CamCount) that version's detector
worker runs too, as ``before``. Ends with one line of JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workers.bus import Delivery  # noqa: E402
from workers.bus.rabbit import RabbitBus  # noqa: E402
from workers.contracts import DetectionResult, Frame  # noqa: E402
from workers.topology import Topology  # noqa: E402

BROKER = os.environ.get("CAMCOUNT_TEST_BROKER", "amqp://guest:guest@127.0.0.1/")
SAMPLE = ROOT / "resources" / "samples" / "entrance.mp4"
FPS = 5.0
MEASURE_S = 10.0
SETTLE_S = 4.0
SERVED_SHARE = 0.9
ROUNDS = 2
#: cameras played: more than any configuration serves on the 2-core machine
HOG_CAMERAS = 8
YOLO_CAMERAS = 6
YOLO = ["--detector", "yolo", "--model", "yolo11n.yaml", "--backend", "openvino",
        "--imgsz", "640"]
#: (name, detector arguments, cameras played)
CONFIGS: list[tuple[str, list[str], int]] = [
    ("hog 1 lane", ["--detector", "hog", "--lanes", "1"], HOG_CAMERAS),
    ("hog 2 lanes", ["--detector", "hog", "--lanes", "2"], HOG_CAMERAS),
    ("yolo 1 lane", [*YOLO, "--lanes", "1"], YOLO_CAMERAS),
    ("yolo 2 lanes", [*YOLO, "--lanes", "2"], YOLO_CAMERAS),
    ("yolo batch 4", [*YOLO, "--batch", "4"], YOLO_CAMERAS),
    ("yolo 2 lanes batch 2", [*YOLO, "--lanes", "2", "--batch", "2"], YOLO_CAMERAS),
]


def sample_frames(count: int = 50) -> list[bytes]:
    cap = cv2.VideoCapture(str(SAMPLE))
    out = []
    while len(out) < count:
        ok, image = cap.read()
        if not ok:
            break
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
        out.append(buf.tobytes())
    cap.release()
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("inf")


def start_detector(namespace: str, args: list[str], cameras: list[str], root: Path,
                   log: Path) -> subprocess.Popen[bytes]:
    """``camcount-worker detector`` of the CamCount at ``root``, following ``cameras``."""
    with log.open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "workers.cli", "detector", "--broker", BROKER, "--namespace",
             namespace, "--worker-id", "bench", *args,
             *(a for c in cameras for a in ("--camera", c))],
            stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, "PYTHONPATH": str(root)})


async def serve_config(name: str, args: list[str], played: int, root: Path,
                       frames: list[bytes], logs: Path) -> dict[str, Any]:
    namespace = f"bench-cameras-{uuid.uuid4().hex[:8]}."
    topology = Topology(namespace)
    bus = RabbitBus(BROKER, topology, source="bench-cameras")
    await bus.start()
    cameras = [f"cam{i:02d}" for i in range(played)]
    for cam in cameras:
        await bus.declare_queue(topology.frame_queue(cam))
    results: dict[str, list[tuple[float, float]]] = defaultdict(list)  # (arrived, age)

    async def on_result(r: DetectionResult, d: Delivery) -> None:
        now = time.time()
        results[r.camera_id].append((now, now - r.frame_timestamp.timestamp()))

    await bus.subscribe(topology.camera_events, ["camera.detection.*"], on_result,
                        model=DetectionResult, max_length=100_000)
    log = logs / f"{name.replace(' ', '-')}.log"
    proc = start_detector(namespace, args, cameras, root, log)
    stop = asyncio.Event()
    playing = asyncio.Event()

    async def camera(index: int) -> None:
        cam = cameras[index]
        start = time.monotonic() + index / (FPS * len(cameras))
        n = 0
        while not stop.is_set():
            await asyncio.sleep(max(0.0, start + n / FPS - time.monotonic()))
            if index == 0 or playing.is_set():
                await bus.publish(topology.camera_events, topology.frame_key(cam), Frame(
                    camera_id=cam, frame_id=f"{cam}-{n}", width=960, height=540, fps=FPS,
                    quality=80, jpeg=frames[n % len(frames)]), persistent=False)
            n += 1

    tasks = [asyncio.create_task(camera(i)) for i in range(len(cameras))]
    try:
        deadline = time.monotonic() + 180  # loading (or exporting) a model takes a while
        while not results[cameras[0]]:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name}: the detector worker never answered ({log})")
            await asyncio.sleep(0.2)
        playing.set()
        await asyncio.sleep(SETTLE_S)
        t0 = time.time()
        await asyncio.sleep(MEASURE_S)
        t1 = time.time()
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        await bus.close()
    got = {cam: [age for at, age in results[cam] if t0 <= at < t1] for cam in cameras}
    ages = [a for v in got.values() for a in v]
    analysed_fps = len(ages) / (t1 - t0)
    row = {"config": name, "args": args, "cameras_played": played,
           "analysed_fps": round(analysed_fps, 2),
           "per_camera_fps_min": round(min(len(v) for v in got.values()) / (t1 - t0), 2),
           "age_p50_ms": round(pct(ages, 0.5) * 1000) if ages else None,
           "age_p99_ms": round(pct(ages, 0.99) * 1000) if ages else None,
           "served": int(analysed_fps / (FPS * SERVED_SHARE))}
    print(f"  {name:<22} {row['analysed_fps']:>6} frames/s analysed over {played} cameras "
          f"(worst camera {row['per_camera_fps_min']}/s), result age p50 {row['age_p50_ms']} ms "
          f"p99 {row['age_p99_ms']} ms -> serves {row['served']}", flush=True)
    return row


async def run_all() -> list[dict[str, Any]]:
    frames = sample_frames()
    logs = Path(tempfile.mkdtemp(prefix="bench-cameras-"))
    configs: list[tuple[str, list[str], int, Path]] = []
    before = os.environ.get("CAMCOUNT_BENCH_BEFORE")
    if before:  # that version's worker knows neither --lanes nor --batch
        configs += [("hog before", ["--detector", "hog"], HOG_CAMERAS, Path(before)),
                    ("yolo before", YOLO, YOLO_CAMERAS, Path(before))]
    configs += [(name, args, played, ROOT) for name, args, played in CONFIGS]
    if only := set(sys.argv[1:]):  # e.g. "hog 1 lane" "yolo before": just these
        configs = [c for c in configs if c[0] in only]
    configs.sort(key=lambda c: c[0].split()[0] != "hog")  # HOG first, then YOLO
    runs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    # in turns, the second round backwards: load that comes and goes hits every one alike
    for order in [configs, configs[::-1]][:ROUNDS]:
        for name, args, played, root in order:
            print(f"{name}: {' '.join(args)}" + (f" (from {root})" if root != ROOT else ""),
                  flush=True)
            runs[name].append(await serve_config(name, args, played, root, frames, logs))
    out = []
    for name, *_ in configs:
        mean = sum(r["analysed_fps"] for r in runs[name]) / len(runs[name])
        out.append({**runs[name][-1], "analysed_fps": round(mean, 2),
                    "served": int(mean / (FPS * SERVED_SHARE)),
                    "age_p99_ms": max(r["age_p99_ms"] or 0 for r in runs[name]),
                    "rounds": [r["analysed_fps"] for r in runs[name]]})
    return out


def main() -> int:
    rows = asyncio.run(run_all())
    print(f"\ncameras served at {FPS:g} frames/s by one detector worker process "
          f"(analysed frames/s / {FPS * SERVED_SHARE:g})")
    base = {r["config"].split()[0]: r["analysed_fps"] for r in rows
            if r["config"].endswith("1 lane")}
    for r in rows:
        kind = r["config"].split()[0]
        print(f"  {r['config']:<22} {r['served']:>3}  ({r['analysed_fps']} frames/s"
              + (f", {r['analysed_fps'] / base[kind]:.2f}x 1 lane)" if base.get(kind) else ")"))
    print(json.dumps({"fps": FPS, "configs": rows, "cpu_cores": os.cpu_count(),
                      "load_avg_1m": round(os.getloadavg()[0], 2)}, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
