"""Cameras one detector worker process serves at 5 frames/s: one inference at a time against
the throughput mode, for HOG and YOLO (OpenVINO, 640 px, random weights from ``yolo11n.yaml``).

    python bench/cameras.py                 # 4-6 minutes on a quiet 2-core machine, more on a busy one
    python bench/cameras.py hog             # configurations whose name starts with this

A detector worker runs as a process of its own on RabbitMQ (``camcount-worker detector``),
following up to ``MAX_CAMERAS`` cameras, and this process plays cameras the way the camera
worker does: frames of the sample video (people walking, so the motion gate seldom skips
inference), 960x540 JPEG, each camera at 5 frames/s, stamped with their capture time, published
to the camera's frame queue. It plays 1, 2, 4, ... cameras until the worker falls behind, then
bisects between the last step it kept up with and the first it did not. A step plays its cameras
for ``SETTLE_S`` seconds, then counts over ``MEASURE_S`` seconds the frames sent and those that
came back analysed within ``LATENCY_BOUND_S`` of their capture.

A worker keeps up with ``n`` cameras when, over the step, at least ``SERVED_SHARE`` (95 %) of
their frames were analysed (mean per camera: the scheduler skips frames it cannot analyse in
time, so a saturated worker analyses fewer) and the 99th percentile of the results' age (capture
to result received here) is at most ``LATENCY_BOUND_S``. Cameras served: the largest ``n`` it
kept up with. Beside it, the frames/s it analysed when saturated: every configuration of a
detector plays one more step at the same count, twice the most cameras any of them fell behind
at (at least ``OVERLOAD_CAMERAS``), so every lane is busy: its capacity, finer than whole cameras.

The configurations of a detector (HOG, then YOLO) run side by side, each its own worker process,
a step of one then a step of the other, so load from other work that comes and goes hits them
alike (compare within one run only): ``1 lane`` is one inference at a time; ``throughput`` is the
worker's ``--throughput`` mode (OpenVINO's THROUGHPUT hint with a lane per infer request, two
requests per stream; HOG a lane per core). Ends with one line of JSON.

The cameras stand in for camera workers that run on other machines, yet this process and the
broker share the worker's cores here. So every step also says how many cores were busy over it:
the worker's, this process's (playing the cameras, taking the results) and the whole machine's
(the broker, and anything else running): what the worker did not get is there to see. A step in
which other processes took more than ``CONTENDED_CORES`` is played once more, and the row says
whether the one kept was contended still (a run with many such rows measured the machine's other
tenants more than the worker). Frames are
published as the camera worker publishes them (``workers/camera/publisher.py``: not persistent,
the trace starting at the frame's message id).
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
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workers.bus import Delivery  # noqa: E402
from workers.bus.rabbit import RabbitBus  # noqa: E402
from workers.contracts import DetectionResult, Frame  # noqa: E402
from workers.topology import Topology  # noqa: E402

BROKER = os.environ.get("CAMCOUNT_TEST_BROKER", "amqp://guest:guest@127.0.0.1/")
SAMPLE = ROOT / "resources" / "samples" / "entrance.mp4"
FPS = 5.0
SETTLE_S = 3.0
MEASURE_S = 6.0
#: a result later than this after its frame's capture is too late for the wall
LATENCY_BOUND_S = 1.0
SERVED_SHARE = 0.95
MAX_CAMERAS = 16
#: a step in which other processes (the broker's share included) kept more cores than this busy
#: is played once more: on a shared machine, a whole core taken for a few seconds decides a step
CONTENDED_CORES = 0.5
#: cameras played at least, whatever the searches found, for the capacity when saturated
OVERLOAD_CAMERAS = 4
YOLO = ["--detector", "yolo", "--model", "yolo11n.yaml", "--backend", "openvino",
        "--imgsz", "640"]
#: (name, detector arguments)
CONFIGS: list[tuple[str, list[str]]] = [  # the first of a detector is the baseline
    ("hog 1 lane", ["--detector", "hog", "--lanes", "1"]),
    ("hog throughput", ["--detector", "hog", "--throughput"]),
    ("yolo 1 lane", [*YOLO, "--lanes", "1"]),
    ("yolo throughput", [*YOLO, "--throughput"]),
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


class Rig:
    """One detector worker process and the cameras played to it."""

    def __init__(self, name: str, args: list[str], frames: list[bytes], log: Path) -> None:
        self.name, self.args, self.frames, self.log = name, args, frames, log
        self.topology = Topology(f"bench-cameras-{uuid.uuid4().hex[:8]}.")
        self.bus = RabbitBus(BROKER, self.topology, source="bench-cameras")
        self.cameras = [f"cam{i:02d}" for i in range(MAX_CAMERAS)]
        self.playing = 0
        self.sent: dict[str, float] = {}  # frame id -> capture time
        self.results: dict[str, tuple[float, float]] = {}  # frame id -> (received, age)
        self._tasks: list[asyncio.Task[None]] = []
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        await self.bus.start()
        for cam in self.cameras:
            await self.bus.declare_queue(self.topology.frame_queue(cam))
        await self.bus.subscribe(self.topology.camera_events, ["camera.detection.*"],
                                 self._on_result, model=DetectionResult, max_length=100_000)
        self.proc = self._start_worker()
        self.ps = psutil.Process(self.proc.pid)
        self._tasks = [asyncio.create_task(self._camera(i)) for i in range(MAX_CAMERAS)]
        self.playing = 1
        deadline = time.monotonic() + 240  # loading (or exporting) a model takes a while
        while not self.results:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: the detector worker never answered ({self.log})")
            await asyncio.sleep(0.2)

    def _start_worker(self) -> subprocess.Popen[bytes]:
        with self.log.open("wb") as err:
            return subprocess.Popen(
                [sys.executable, "-m", "workers.cli", "detector", "--broker", BROKER,
                 "--namespace", self.topology.namespace, "--worker-id", "bench", *self.args,
                 *(a for c in self.cameras for a in ("--camera", c))],
                stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, "PYTHONPATH": str(ROOT)})

    async def _on_result(self, r: DetectionResult, d: Delivery) -> None:
        now = time.time()
        self.results[r.frame_id] = (now, now - r.frame_timestamp.timestamp())

    async def _camera(self, index: int) -> None:
        cam = self.cameras[index]
        start = time.monotonic() + index / (FPS * MAX_CAMERAS)  # spread over a frame interval
        n = 0
        while True:
            await asyncio.sleep(max(0.0, start + n / FPS - time.monotonic()))
            if index < self.playing:
                frame = Frame(camera_id=cam, frame_id=f"{cam}-{n}", width=960, height=540,
                              fps=FPS, quality=80, jpeg=self.frames[n % len(self.frames)])
                self.sent[frame.frame_id] = frame.timestamp.timestamp()
                await self.bus.publish(self.topology.camera_events, self.topology.frame_key(cam),
                                       frame, persistent=False, trace_id=frame.message_id)
            n += 1

    async def step(self, cameras: int) -> dict[str, Any]:
        """Play ``cameras`` cameras; how well the worker kept up with them. Played again, once,
        when other work on the machine took more than ``CONTENDED_CORES`` (said in the row)."""
        row = await self._play(cameras)
        if row["contended"]:
            print("    (contended: played again)", flush=True)
            row = await self._play(cameras)
        return row

    async def _play(self, cameras: int) -> dict[str, Any]:
        self.playing = cameras
        await asyncio.sleep(SETTLE_S)
        t0 = time.time()
        cpu0 = self._cpu()
        await asyncio.sleep(MEASURE_S)
        t1 = time.time()
        cpu = {k: round((v - cpu0[k]) / (t1 - t0), 2) for k, v in self._cpu().items()}
        others = cpu["machine"] - cpu["worker"] - cpu["player"]
        await asyncio.sleep(LATENCY_BOUND_S)  # the last frames' results are on their way
        load = os.getloadavg()[0]
        sent = {f: at for f, at in self.sent.items() if t0 <= at < t1}
        ages = [self.results[f][1] for f in sent if f in self.results]
        timely = sum(age <= LATENCY_BOUND_S for age in ages)
        per_camera: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for f in sent:
            c = per_camera[f.rsplit("-", 1)[0]]
            c[0] += 1
            c[1] += f in self.results
        share = timely / len(sent) if sent else 0.0
        p99 = pct(ages, 0.99)
        row = {"cameras": cameras, "analysed_fps": round(len(ages) / (t1 - t0), 2),
               "served_share": round(share, 3),
               "worst_camera_share": round(min(a / s for s, a in per_camera.values()), 3),
               "age_p50_ms": round(pct(ages, 0.5) * 1000) if ages else None,
               "age_p99_ms": round(p99 * 1000) if ages else None,
               "kept_up": share >= SERVED_SHARE and p99 <= LATENCY_BOUND_S,
               "load_1m": round(load, 1), "cpu_cores": cpu,
               "contended": others > CONTENDED_CORES}
        print(f"  {self.name:<16} {cameras:>2} cameras: {row['analysed_fps']:>5} frames/s analysed, "
              f"{share:6.1%} in time (worst camera {row['worst_camera_share']:.0%}), age p50 "
              f"{row['age_p50_ms']} ms p99 {row['age_p99_ms']} ms -> "
              f"{'keeps up' if row['kept_up'] else 'falls behind'}  (load {load:.1f}; cores busy: "
              f"worker {cpu['worker']}, player {cpu['player']}, machine {cpu['machine']})",
              flush=True)
        return row

    def _cpu(self) -> dict[str, float]:
        """CPU seconds so far of the worker, of this process (the cameras and the results) and
        of the whole machine (the broker and whatever else runs there)."""
        worker, player, machine = self.ps.cpu_times(), psutil.Process().cpu_times(), psutil.cpu_times()
        return {"worker": worker.user + worker.system, "player": player.user + player.system,
                "machine": sum(machine) - machine.idle - getattr(machine, "iowait", 0.0)}

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        await self.bus.close()


class Search:
    """Cameras served: doubling until the worker falls behind, then bisecting."""

    def __init__(self) -> None:
        self.good, self.bad, self.next = 0, MAX_CAMERAS + 1, 1
        self.steps: list[dict[str, Any]] = []

    @property
    def done(self) -> bool:
        return not self.good < self.next < self.bad

    def record(self, row: dict[str, Any]) -> None:
        self.steps.append(row)
        n = row["cameras"]
        if row["kept_up"]:
            self.good = n
            self.next = min(n * 2, MAX_CAMERAS) if self.bad > MAX_CAMERAS else (n + self.bad) // 2
        else:
            self.bad = n
            self.next = (self.good + n) // 2

    def summary(self, name: str, args: list[str], saturated: dict[str, Any]) -> dict[str, Any]:
        at_good = [s for s in self.steps if s["cameras"] == self.good]
        return {"config": name, "args": args, "cameras_served": self.good,
                "capped": self.bad > MAX_CAMERAS,  # kept up with every camera played
                "age_p99_ms_served": at_good[-1]["age_p99_ms"] if at_good else None,
                # what it analysed with more cameras than it serves: capacity, finer than cameras
                "saturated_cameras": saturated["cameras"],
                "saturated_fps": saturated["analysed_fps"], "saturated_p99_ms":
                saturated["age_p99_ms"], "saturated_contended": saturated["contended"],
                "contended_steps": sum(s["contended"] for s in self.steps), "steps": self.steps}


async def compare(configs: list[tuple[str, list[str]]], frames: list[bytes],
                  logs: Path) -> list[dict[str, Any]]:
    """The configurations' searches, a step of each in turn, so load that comes and goes hits
    them alike (an idle worker costs the others nothing)."""
    rigs = [Rig(name, args, frames, logs / f"{name.replace(' ', '-')}.log")
            for name, args in configs]
    searches = [Search() for _ in rigs]
    try:
        for rig, (name, args) in zip(rigs, configs, strict=True):
            print(f"{name}: camcount-worker detector {' '.join(args)}", flush=True)
            await rig.start()
            rig.playing = 0
        while not all(s.done for s in searches):
            for rig, search in zip(rigs, searches, strict=True):
                if not search.done:
                    search.record(await rig.step(search.next))
                    rig.playing = 0
        # every configuration at one count, enough to keep every lane of each busy
        n = min(MAX_CAMERAS, max(OVERLOAD_CAMERAS, *(2 * s.bad for s in searches)))
        saturated = []
        for rig in rigs:
            saturated.append(await rig.step(n))
            rig.playing = 0
    finally:
        for rig in rigs:
            await rig.close()
    return [s.summary(name, args, sat) for s, sat, (name, args)
            in zip(searches, saturated, configs, strict=True)]


async def run_all(only: list[str]) -> list[dict[str, Any]]:
    frames = sample_frames()
    logs = Path(tempfile.mkdtemp(prefix="bench-cameras-"))
    out = []
    for kind in dict.fromkeys(name.split()[0] for name, _ in CONFIGS):
        configs = [(n, a) for n, a in CONFIGS if n.split()[0] == kind
                   and (not only or any(n.startswith(o) for o in only))]
        if configs:
            out += await compare(configs, frames, logs)
    return out


def main() -> int:
    rows = asyncio.run(run_all(sys.argv[1:]))
    print(f"\ncameras served at {FPS:g} frames/s by one detector worker process ({os.cpu_count()} "
          f"cores; kept up: >= {SERVED_SHARE:.0%} of frames analysed, p99 result age <= "
          f"{LATENCY_BOUND_S * 1000:.0f} ms)")
    print(f"  {'configuration':<16} {'served':>6} {'p99 ms':>7} {'saturated: cameras, frames/s, p99 ms':>37}"
          "  vs 1 lane")
    base: dict[str, dict[str, Any]] = {}
    for r in rows:
        kind = r["config"].split()[0]
        base.setdefault(kind, r)
        b = base[kind]
        if b is not r:
            r["ratio_served"] = round(r["cameras_served"] / b["cameras_served"], 2) \
                if b["cameras_served"] else None
            r["ratio_saturated_fps"] = round(r["saturated_fps"] / b["saturated_fps"], 2) \
                if r["saturated_fps"] and b["saturated_fps"] else None
        served = f"{r['cameras_served']}{'+' if r['capped'] else ''}"
        versus = "baseline" if b is r else ", ".join(
            f"{r[key]}x {what}" if r[key] else f"{what}: no ratio"
            for key, what in (("ratio_served", "cameras"), ("ratio_saturated_fps", "frames/s saturated")))
        sat = f"{r['saturated_cameras']}, {r['saturated_fps']}, {r['saturated_p99_ms']}"
        print(f"  {r['config']:<16} {served:>6} {r['age_p99_ms_served'] or '-':>7} {sat:>37}  {versus}")
    contended = sum(r["contended_steps"] + r["saturated_contended"] for r in rows)
    if contended:
        print(f"  {contended} of {sum(len(r['steps']) + 1 for r in rows)} steps contended still "
              f"after a replay (other processes kept more than {CONTENDED_CORES:g} cores busy)")
    print(json.dumps({"bench": "cameras", "fps": FPS, "latency_bound_ms": LATENCY_BOUND_S * 1000,
                      "served_share": SERVED_SHARE, "configs": rows, "cpu_cores": os.cpu_count(),
                      "load_avg_1m": round(os.getloadavg()[0], 2)}, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
