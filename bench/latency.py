"""Camera-to-tile latency: how old a picture is when the operator sees it with its boxes.

    python bench/latency.py                  # the whole matrix, about 5 minutes on 2 cores
    python bench/latency.py rabbit-hog-4     # only these cells (MODE-DETECTOR-CAMERAS)

Measured on the real path: the camera worker reads the sample video (looped) and stamps each
frame's capture time; the detector worker analyses it; the console's real Qt wall (offscreen)
paints it. Latency is the frame's capture time to the first paint of the tile showing that
frame with its boxes (``TileState.painted``, what the View menu's latency shows).

- ``rabbit``: camera worker and detector worker as processes of their own (``camcount-worker
  camera`` / ``detector``), RabbitMQ between them and the console (this process);
- ``local``: the console's local mode, every worker inside this process on the in-process bus.

Detectors: HOG, and YOLO built from ``yolo11n.yaml`` (random weights) on OpenVINO at 640 px.
Cameras: 1 and 4 at 10 frames/s, 16 at 5 frames/s. Each cell waits until every camera's boxes
are on screen, then measures for ``MEASURE_S``. Reported per cell: latency p50/p99, frames the
camera worker sent, frames shown with boxes and skipped by the detector (frames it could not
analyse before a newer one came; skipped, never queued). Goal: p99 < 300 ms at 4 cameras x
10 fps with HOG over RabbitMQ. Ends with one line of JSON.
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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from camcount_desktop.bus_adapter import BusAdapter  # noqa: E402
from camcount_desktop.settings import Settings  # noqa: E402
from camcount_desktop.wall.controller import WallController  # noqa: E402
from camcount_desktop.wall.tile_view import TileView  # noqa: E402
from camcount_desktop.wall.view import WallView  # noqa: E402
from workers.bus import Bus, InProcessBus  # noqa: E402
from workers.contracts import CameraConfig, DetectionResult  # noqa: E402
from workers.topology import Topology  # noqa: E402

BROKER = os.environ.get("CAMCOUNT_TEST_BROKER", "amqp://guest:guest@127.0.0.1/")
SAMPLE = ROOT / "resources" / "samples" / "entrance.mp4"
MEASURE_S = 10.0
#: a cell with no result for every camera by then is reported as not started
START_TIMEOUT_S = 120.0
#: results on every camera but still no boxes on every tile this long: measured as it is
BOXES_TIMEOUT_S = 20.0
CELLS = [(mode, det, cams) for mode in ("rabbit", "local") for det in ("hog", "yolo")
         for cams in (1, 4, 16)]
YOLO_ARGS = ["--detector", "yolo", "--model", "yolo11n.yaml", "--backend", "openvino",
             "--imgsz", "640"]
GOAL = ("rabbit", "hog", 4)
GOAL_P99_MS = 300


def fps_for(cameras: int) -> float:
    return 10.0 if cameras <= 4 else 5.0


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


@dataclass
class Meter:
    """Latency samples of the paints, and what the detector said it did, while measuring."""

    measuring: bool = False
    samples: list[float] = field(default_factory=list)
    boxes_seen: set[str] = field(default_factory=set)
    results_seen: set[str] = field(default_factory=set)
    analysed: int = 0
    skipped: int = 0
    last_frame: dict[str, str] = field(default_factory=dict)
    first_frame: dict[str, str] = field(default_factory=dict)
    #: capture to the frame reaching the console (decoded); to its result reaching it; the
    #: detector's time on the frame
    frame_ages: list[float] = field(default_factory=list)
    result_ages: list[float] = field(default_factory=list)
    processing: list[float] = field(default_factory=list)

    def on_frame(self, f: Any) -> None:
        if self.measuring:
            self.frame_ages.append((datetime.now(UTC) - f.captured_at).total_seconds())

    def on_result(self, r: DetectionResult) -> None:
        self.results_seen.add(r.camera_id)
        if self.measuring:
            self.analysed += 1
            self.skipped += getattr(r.detection_results, "frames_skipped", 0)
            self.result_ages.append((datetime.now(UTC) - r.frame_timestamp).total_seconds())
            self.processing.append(r.detection_results.processing_time)
            self.first_frame.setdefault(r.camera_id, r.frame_id)
            self.last_frame[r.camera_id] = r.frame_id


def frames_between(first: str, last: str) -> int:
    """Frames a camera sent from one frame id to another (ids end in the frame's sequence)."""
    return int(last.rsplit("-", 1)[1]) - int(first.rsplit("-", 1)[1])


async def console(bus: Bus, cameras: list[str], meter: Meter) -> tuple[BusAdapter, WallView]:
    """The console's wall on ``bus``: adapter, controller and tiles painting offscreen."""
    settings = Settings(QSettings(str(Path(tempfile.mkdtemp()) / "bench.ini"),
                                  QSettings.Format.IniFormat))
    wall = WallController(settings)
    wall.set_layout(1 if len(cameras) == 1 else 2 if len(cameras) <= 4 else 4)
    for i, cam in enumerate(cameras):
        wall.assign(i, cam)
    view = WallView(wall)
    view.resize(1600, 1000)
    if hasattr(view, "set_show_latency"):  # a console from before it existed
        view.set_show_latency(True)
    adapter = BusAdapter()
    view.tile_resized.connect(lambda cam, w, h: adapter.set_decode_box(cam, (w, h)))
    adapter.frame_decoded.connect(wall.on_frame)
    adapter.result_received.connect(wall.on_result)
    adapter.result_received.connect(meter.on_result)
    adapter.frame_decoded.connect(meter.on_frame)
    view.show()
    await adapter.attach(bus)
    await adapter.follow(cameras)
    return adapter, view


def watch_paints(meter: Meter) -> None:
    """Time each tile's first paint of a frame with its boxes (as ``TileState.painted`` does for
    the View menu; timed here, around the paint, so the bench runs on older consoles too)."""
    if not hasattr(TileView, "_unwatched_paint"):
        TileView._unwatched_paint = TileView.paintEvent  # type: ignore[attr-defined]
    paint = TileView._unwatched_paint  # type: ignore[attr-defined]
    measured: dict[int, str] = {}

    def watched(tile: TileView, event: Any) -> None:
        paint(tile, event)
        state = tile.state
        shown = state.shown if state is not None else None
        if state is None or shown is None or shown.result is None:
            return
        if measured.get(id(state)) == shown.frame.frame_id:
            return
        measured[id(state)] = shown.frame.frame_id
        meter.boxes_seen.add(state.camera_id)
        if meter.measuring:
            meter.samples.append((datetime.now(UTC) - shown.frame.captured_at).total_seconds())

    TileView.paintEvent = watched  # type: ignore[method-assign]


def spawn(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "workers.cli", *args], stdout=out,
                                stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)})


async def run_cell(mode: str, detector: str, n: int, meter: Meter, logs: Path) -> dict[str, Any]:
    cameras = [f"cam{i:02d}" for i in range(n)]
    fps = fps_for(n)
    namespace = f"bench-latency-{uuid.uuid4().hex[:8]}."
    topology = Topology(namespace)
    procs: list[subprocess.Popen[bytes]] = []
    hosted: list[Any] = []
    if mode == "rabbit":
        from workers.bus.rabbit import RabbitBus

        bus: Bus = RabbitBus(BROKER, topology, source="bench-console")
    else:
        bus = InProcessBus(topology, source="bench-console")
    await bus.start()
    adapter, view = await console(bus, cameras, meter)
    tag = f"{mode}-{detector}-{n}"
    try:
        if mode == "rabbit":
            common = ["--broker", BROKER, "--namespace", namespace]
            det = YOLO_ARGS if detector == "yolo" else ["--detector", "hog"]
            procs.append(spawn(["detector", *common, *det, "--worker-id", f"det-{tag}",
                                *(a for c in cameras for a in ("--camera", c))],
                               logs / f"detector-{tag}.log"))
            procs.append(spawn(["camera", *common, "--fps", str(fps), "--loop",
                                *(a for c in cameras for a in ("--camera", f"{c}={SAMPLE}"))],
                               logs / f"camera-{tag}.log"))
        else:
            from workers.camera.worker import CameraWorker
            from workers.detector.base import DetectorConfig
            from workers.detector.worker import DetectorWorker

            config = (DetectorConfig(kind="yolo", model="yolo11n.yaml", backend="openvino",
                                     imgsz=640) if detector == "yolo" else DetectorConfig(kind="hog"))
            det_worker = DetectorWorker(config, cameras=cameras, worker_id=f"det-{tag}")
            await det_worker.start(bus)
            hosted.append(det_worker)
            cam_worker = CameraWorker([CameraConfig(camera_id=c, source=str(SAMPLE), loop=True,
                                                    analysis_fps=fps) for c in cameras])
            await cam_worker.start(bus)
            hosted.append(cam_worker)
        deadline = time.monotonic() + START_TIMEOUT_S
        # every tile shows boxes; or results come but too late for the frames the tile still
        # has (a detector with a backlog): then only their age can be measured
        while len(meter.boxes_seen & set(cameras)) < n:
            if len(meter.results_seen & set(cameras)) == n and time.monotonic() > deadline - (
                    START_TIMEOUT_S - BOXES_TIMEOUT_S):
                break
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                return {"mode": mode, "detector": detector, "cameras": n, "fps": fps,
                        "error": f"results for {len(meter.results_seen & set(cameras))} of {n} "
                                 f"cameras after {START_TIMEOUT_S:g} s (logs in {logs})"}
            await asyncio.sleep(0.2)
        await asyncio.sleep(2.0)  # past the first frames' start-up costs
        meter.measuring = True
        await asyncio.sleep(MEASURE_S)
        meter.measuring = False
    finally:
        await adapter.detach()
        adapter.shutdown()
        view.close()
        for worker in reversed(hosted):
            await worker.stop()
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        await bus.close()
    sent = sum(frames_between(meter.first_frame[c], meter.last_frame[c]) + 1
               for c in cameras if c in meter.first_frame)
    return {"mode": mode, "detector": detector, "cameras": n, "fps": fps,
            "latency_p50_ms": ms(pct(meter.samples, 0.50)),
            "latency_p99_ms": ms(pct(meter.samples, 0.99)),
            "frame_p50_ms": ms(pct(meter.frame_ages, 0.5)),
            "result_p50_ms": ms(pct(meter.result_ages, 0.5)),
            "result_p99_ms": ms(pct(meter.result_ages, 0.99)),
            "detector_p50_ms": ms(pct(meter.processing, 0.5)),
            "shown": len(meter.samples), "analysed": meter.analysed, "skipped": meter.skipped,
            "sent": sent}


def ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def format_row(r: dict[str, Any]) -> str:
    head = f"{r['mode']:<7} {r['detector']:<5} {r['cameras']:>2} x {r['fps']:>4g} fps"
    if "error" in r:
        return f"{head}  not measured: {r['error']}"
    return (f"{head}  {r['latency_p50_ms']!s:>6} {r['latency_p99_ms']!s:>6}  "
            f"{r['frame_p50_ms']!s:>6} {r['result_p50_ms']!s:>6} {r['result_p99_ms']!s:>6} "
            f"{r['detector_p50_ms']!s:>6}  "
            f"{r['sent']:>5} {r['analysed']:>8} {r['skipped']:>7} {r['shown']:>6}")


def main() -> int:
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)  # each cell closes its wall
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    print(f"{'mode':<7} {'det':<5} {'cameras':>12}  {'p50 ms':>6} {'p99 ms':>6}  "
          f"{'frm50':>6} {'res50':>6} {'res99':>6} {'detect':>6}  "
          f"{'sent':>5} {'analysed':>8} {'skipped':>7} {'shown':>6}")
    only = set(sys.argv[1:])  # e.g. rabbit-hog-4: just these cells
    with loop:
        rows = []
        for cell in CELLS:
            if only and "-".join(map(str, cell)) not in only:
                continue
            meter = Meter()
            watch_paints(meter)
            row = loop.run_until_complete(run_cell(*cell, meter, LOGS))
            rows.append(row)
            print(format_row(row), flush=True)
    goal = next((r for r in rows if (r["mode"], r["detector"], r["cameras"]) == GOAL), {})
    ok = goal.get("latency_p99_ms") is not None and goal["latency_p99_ms"] < GOAL_P99_MS
    print(f"\ngoal: p99 < {GOAL_P99_MS} ms at {GOAL[2]} cameras x 10 fps, {GOAL[1]} over "
          f"RabbitMQ: {goal.get('latency_p99_ms')} ms -> {'met' if ok else 'NOT met'}")
    print("latency: capture at the camera worker to the tile painting that frame with its boxes; "
          "frm50: capture to the frame decoded in the console; res50/res99: capture to the "
          "result reaching the console; detect: the detector's "
          "time on a frame (p50); sent/analysed/skipped/shown: frames over the measured "
          f"{MEASURE_S:g} s, all cameras")
    print(json.dumps({"cells": rows, "goal_p99_ms": GOAL_P99_MS, "goal_met": ok,
                      "measure_s": MEASURE_S, "cpu_cores": os.cpu_count(),
                      "load_avg_1m": round(os.getloadavg()[0], 2)}, separators=(",", ":")))
    return 0


LOGS = Path(tempfile.mkdtemp(prefix="bench-latency-"))

if __name__ == "__main__":
    sys.exit(main())
