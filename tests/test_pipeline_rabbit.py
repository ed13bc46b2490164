"""The whole live pipeline over a real RabbitMQ: camera worker → frames → detector worker → results.

Two separate processes, as deployed: the camera worker plays a generated clip whose true counts
are known by construction at its own frame rate; the detector worker (HOG, so it runs without
weights) counts it with the line from a zones file. The console would see exactly what this
test subscribes to.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.services import BROKER_URL
from tests.rabbit_util import purge_namespace
from workers.bus import Delivery
from workers.contracts import CameraStatus, CountEvents, DetectionResult
from workers.samples import generate
from workers.topology import Topology

pytestmark = [pytest.mark.rabbit, pytest.mark.slow]


def worker(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "workers.cli", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def stop(proc: subprocess.Popen[bytes]) -> str:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    assert proc.stderr is not None
    return proc.stderr.read().decode(errors="replace")


async def test_camera_to_detector_to_results_counts_a_clip_exactly(namespace: str,
                                                                   tmp_path: Path) -> None:
    from workers.bus.rabbit import RabbitBus

    truth = generate(tmp_path / "door.mp4", people=4, fps=10, size=(640, 360), seed=5)
    x1, y1, x2, y2 = truth.line
    zones = tmp_path / "zones.json"
    zones.write_text(json.dumps({"camera_id": "door", "frame_width": truth.width,
                                 "frame_height": truth.height,
                                 "lines": [{"id": "door", "points": [[x1, y1], [x2, y2]]}]}))
    topology = Topology(namespace)
    bus = RabbitBus(BROKER_URL, topology, source="pipeline-test")
    await bus.start()
    results: list[tuple[DetectionResult, str | None]] = []
    ended = asyncio.Event()

    async def on_result(r: DetectionResult, d: Delivery) -> None:
        results.append((r, d.trace_id))

    async def on_status(s: CameraStatus, d: Delivery) -> None:
        if s.state == "offline" and "end of file" in s.detail:
            ended.set()

    await bus.subscribe(topology.camera_events, ["camera.detection.door"], on_result,
                        model=DetectionResult, max_length=10_000)
    await bus.subscribe(topology.camera_events, ["camera.status.door"], on_status,
                        model=CameraStatus)
    facts: list[CountEvents] = []

    async def on_facts(f: CountEvents, d: Delivery) -> None:
        facts.append(f)

    await bus.consume(topology.count_events, on_facts, model=CountEvents)
    common = ["--broker", BROKER_URL, "--namespace", namespace]
    detector = worker("detector", *common, "--detector", "hog", "--camera", "door",
                      "--zones", str(zones), "--worker-id", "det-pipeline")
    camera = None
    try:
        frame_queue = topology.frame_queue("door").name
        deadline = time.monotonic() + 60
        # the detector is ready when it consumes the camera's queue; only then start the camera
        while (await bus.queue_depths([frame_queue])).get(frame_queue) is None or \
                (await bus.queue_depths([frame_queue]))[frame_queue].consumers < 1:
            assert detector.poll() is None, stop(detector)
            assert time.monotonic() < deadline, "the detector never consumed the frame queue"
            await asyncio.sleep(0.3)
        camera = worker("camera", *common, "--camera", f"door={tmp_path / truth.video}",
                        "--fps", "10")
        await asyncio.wait_for(ended.wait(), timeout=truth.frames / 10 + 60)
        quiet_since = time.monotonic()
        seen = len(results)
        while time.monotonic() - quiet_since < 3:  # let the detector drain the last frames
            await asyncio.sleep(0.5)
            if len(results) != seen:
                seen, quiet_since = len(results), time.monotonic()
    finally:
        camera_log = stop(camera) if camera is not None else ""
        detector_log = stop(detector)
        await bus.close()
        await purge_namespace(BROKER_URL, topology, [topology.frame_queue("door").name])

    assert results, f"no detection results\ncamera:\n{camera_log[-1500:]}\ndetector:\n{detector_log[-1500:]}"
    last, _ = results[-1]
    door = last.counting_data.lines["door"]
    assert (door.count_in, door.count_out) == (truth.count_in, truth.count_out), \
        f"counted {door.count_in} in / {door.count_out} out of {truth.count_in} / {truth.count_out}"
    # one worker saw the camera's frames in order, each result linked to its frame and trace
    seqs = [int(r.frame_id.rsplit("-", 1)[1]) for r, _ in results]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert len(results) >= 0.9 * truth.frames, f"{len(results)} results for {truth.frames} frames"
    assert all(trace for _, trace in results)
    assert {r.metadata.source for r, _ in results} == {"det-pipeline"}
    assert last.detection_results.model_version.startswith("opencv-hog")
    # the same crossings, as facts on the durable path analytics stores from, each once
    crossings = [e for f in facts for e in f.events if e.kind == "line" and e.shape_id == "door"]
    assert (sum(e.direction == "in" for e in crossings),
            sum(e.direction == "out" for e in crossings)) == (truth.count_in, truth.count_out)
    assert len({f.message_id for f in facts}) == len(facts)
