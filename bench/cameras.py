"""Cameras one detector worker process serves at 5 frames/s, HOG and YOLO (OpenVINO, 640 px).

    python bench/cameras.py          # about 6 minutes on the 2-core machine

A detector worker runs as a process of its own on RabbitMQ (``camcount-worker detector``), and
this process plays the cameras: each sends frames of the sample video (people walking, so the
motion gate rarely skips inference), 960x540 JPEG, at 5 frames/s, stamped with their capture
time. Cameras are added one step at a time to the same worker; at each step, for ``STEP_S``
seconds, a camera is SERVED when the worker analysed at least 90 % of its frames and their
results reached us within 1 s (p99) of capture. The count reported is the last step at which
every camera was served.

Configurations, in turns over the same machine (load from other processes hits them alike):
``1 lane`` is one inference at a time, as the worker did before inference lanes; ``default`` is
what the worker does now (HOG: two lanes; YOLO: see ``YOLO_CONFIGS``). With
``CAMCOUNT_BENCH_BEFORE=PATH`` (a checkout of an older CamCount) that version's detector worker
runs first too, as ``before``. Ends with one line of JSON.
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
STEP_S = 8.0
SETTLE_S = 2.0
SERVED_SHARE = 0.9
SERVED_P99_S = 1.0
HOG_STEPS = (1, 2, 3, 4, 6, 8, 10, 12)
YOLO_STEPS = (1, 2, 3, 4, 6, 8)
YOLO = ["--detector", "yolo", "--model", "yolo11n.yaml", "--backend", "openvino",
        "--imgsz", "640"]
#: (name, detector arguments, steps)
CONFIGS: list[tuple[str, list[str], tuple[int, ...]]] = [
    ("hog 1 lane", ["--detector", "hog", "--lanes", "1"], HOG_STEPS),
    ("hog default", ["--detector", "hog"], HOG_STEPS),
    ("yolo 1 lane", [*YOLO, "--lanes", "1"], YOLO_STEPS),
    ("yolo 2 lanes", [*YOLO, "--lanes", "2"], YOLO_STEPS),
    ("yolo batch 4", [*YOLO, "--batch", "4"], YOLO_STEPS),
    ("yolo 2 lanes batch 2", [*YOLO, "--lanes", "2", "--batch", "2"], YOLO_STEPS),
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


async def serve_config(name: str, args: list[str], steps: tuple[int, ...], root: Path,
                       frames: list[bytes], logs: Path) -> dict[str, Any]:
    namespace = f"bench-cameras-{uuid.uuid4().hex[:8]}."
    topology = Topology(namespace)
    bus = RabbitBus(BROKER, topology, source="bench-cameras")
    await bus.start()
    cameras = [f"cam{i:02d}" for i in range(max(steps))]
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
    active = 0
    sent: dict[str, list[float]] = defaultdict(list)
    stop = asyncio.Event()

    async def camera(index: int) -> None:
        cam = cameras[index]
        start = time.monotonic() + index / (FPS * len(cameras))
        n = 0
        while not stop.is_set():
            await asyncio.sleep(max(0.0, start + n / FPS - time.monotonic()))
            if index < active:
                await bus.publish(topology.camera_events, topology.frame_key(cam), Frame(
                    camera_id=cam, frame_id=f"{cam}-{n}", width=960, height=540, fps=FPS,
                    quality=80, jpeg=frames[n % len(frames)]), persistent=False)
                sent[cam].append(time.time())
            n += 1

    tasks = [asyncio.create_task(camera(i)) for i in range(len(cameras))]
    rows: list[dict[str, Any]] = []
    served = 0
    try:
        active = 1  # wait for the worker: its first result
        deadline = time.monotonic() + 180
        while not results[cameras[0]]:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name}: the detector worker never answered ({log})")
            await asyncio.sleep(0.2)
        for n in steps:
            active = n
            await asyncio.sleep(SETTLE_S)
            t0 = time.time()
            await asyncio.sleep(STEP_S)
            t1 = time.time()
            shares, ages = [], []
            for cam in cameras[:n]:
                # frames sent in the window, and their results that came within it (+ 1 s)
                sent_n = sum(1 for t in sent[cam] if t0 <= t < t1)
                got = [age for at, age in results[cam] if t0 <= at - age < t1 and at < t1 + 1]
                shares.append(len(got) / sent_n if sent_n else 0.0)
                ages += got
            row = {"cameras": n, "analysed_min_share": round(min(shares), 2),
                   "age_p50_ms": round(pct(ages, 0.5) * 1000) if ages else None,
                   "age_p99_ms": round(pct(ages, 0.99) * 1000) if ages else None}
            row["served"] = min(shares) >= SERVED_SHARE and pct(ages, 0.99) < SERVED_P99_S
            rows.append(row)
            print(f"  {name:<22} {n:>2} cameras: {row['analysed_min_share']:>5.0%} analysed "
                  f"(worst camera), age p50 {row['age_p50_ms']} ms, p99 {row['age_p99_ms']} ms"
                  f"{'' if row['served'] else '  <- not served'}", flush=True)
            if not row["served"]:
                break
            served = n
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        await bus.close()
    return {"config": name, "args": args, "served": served, "steps": rows}


async def run_all() -> list[dict[str, Any]]:
    frames = sample_frames()
    logs = Path(tempfile.mkdtemp(prefix="bench-cameras-"))
    configs: list[tuple[str, list[str], tuple[int, ...], Path]] = []
    before = os.environ.get("CAMCOUNT_BENCH_BEFORE")
    if before:  # that version's worker knows neither --lanes nor --batch
        configs += [("hog before", ["--detector", "hog"], HOG_STEPS, Path(before)),
                    ("yolo before", YOLO, YOLO_STEPS, Path(before))]
    configs += [(name, args, steps, ROOT) for name, args, steps in CONFIGS]
    out = []
    for name, args, steps, root in configs:
        print(f"{name}: {' '.join(args)}" + (f" (from {root})" if root != ROOT else ""), flush=True)
        out.append(await serve_config(name, args, steps, root, frames, logs))
    return out


def main() -> int:
    rows = asyncio.run(run_all())
    print(f"\ncameras served at {FPS:g} frames/s by one detector worker process "
          f"(>= {SERVED_SHARE:.0%} of frames analysed, results within {SERVED_P99_S:g} s p99)")
    base = {r["config"].split()[0]: r["served"] for r in rows if r["config"].endswith("1 lane")}
    for r in rows:
        kind = r["config"].split()[0]
        ratio = r["served"] / base[kind] if base.get(kind) else None
        print(f"  {r['config']:<22} {r['served']:>3}" + (f"   {ratio:.2f}x 1 lane" if ratio else ""))
    print(json.dumps({"fps": FPS, "configs": rows, "cpu_cores": os.cpu_count(),
                      "load_avg_1m": round(os.getloadavg()[0], 2)}, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
