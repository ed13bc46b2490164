"""The camera worker on a real RabbitMQ: frames reach the camera's queue; the CLI runs and stops."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator

import cv2
import numpy as np
import pytest

from tests.helpers.camera import SAMPLE
from tests.helpers.services import BROKER_URL
from tests.helpers.waiting import until
from tests.rabbit_util import purge_namespace
from workers.bus import TRACE_HEADER, Delivery
from workers.bus.rabbit import RabbitBus
from workers.camera import CameraWorker, Timing
from workers.contracts import CameraConfig, CameraStatus, Frame, SystemEvent
from workers.topology import Topology

pytestmark = pytest.mark.rabbit


@pytest.fixture
async def rabbit(namespace: str) -> AsyncIterator[RabbitBus]:
    topology = Topology(namespace)
    bus = RabbitBus(BROKER_URL, topology, source="camera-rabbit-test")
    await bus.start()
    try:
        yield bus
    finally:
        await bus.close()
        await purge_namespace(BROKER_URL, topology, [topology.frame_queue("cam").name])


async def test_frames_reach_the_camera_queue_on_rabbitmq(rabbit: RabbitBus) -> None:
    worker = CameraWorker([CameraConfig(camera_id="cam", source=str(SAMPLE), analysis_fps=5)],
                          timing=Timing(status_every=1.0))
    received: list[tuple[Frame, Delivery]] = []

    async def on_frame(frame: Frame, delivery: Delivery) -> None:
        received.append((frame, delivery))

    await worker.start(rabbit)
    try:
        await rabbit.consume(rabbit.topology.frame_queue("cam"), on_frame, model=Frame)
        await until(lambda: len(received) >= 10, 10, "ten frames from RabbitMQ")
    finally:
        await worker.stop()

    frame, delivery = received[-1]
    image = cv2.imdecode(np.frombuffer(frame.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (540, 960, 3) and (frame.width, frame.height) == (960, 540)
    assert delivery.headers[TRACE_HEADER] == frame.message_id
    assert delivery.priority == 5 and delivery.queue == rabbit.topology.frame_queue("cam").name
    ids = [f.frame_id for f, _ in received]
    assert len(set(ids)) == len(ids)
    assert [f.timestamp for f, _ in received] == sorted(f.timestamp for f, _ in received)


@pytest.mark.slow
async def test_cli_camera_worker_runs_and_stops_cleanly(rabbit: RabbitBus, namespace: str) -> None:
    topology = rabbit.topology
    frames: list[Frame] = []
    statuses: list[CameraStatus] = []
    health: list[SystemEvent] = []

    async def on_frame(frame: Frame, _: Delivery) -> None:
        frames.append(frame)

    async def on_status(status: CameraStatus, _: Delivery) -> None:
        statuses.append(status)

    async def on_health(event: SystemEvent, _: Delivery) -> None:
        if event.data.get("role") == "camera":
            health.append(event)

    await rabbit.consume(topology.frame_queue("cam"), on_frame, model=Frame)
    await rabbit.subscribe(topology.camera_events, ["camera.status.cam"], on_status, model=CameraStatus)
    await rabbit.subscribe(topology.system_events, [""], on_health, model=SystemEvent)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "workers.cli", "camera", "--broker", BROKER_URL, "--namespace", namespace,
        "--camera", f"cam={SAMPLE}", "--fps", "4", "--loop",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        await until(lambda: len(frames) >= 8, 20, "frames from the CLI worker")
        beat = await until(lambda: [h for h in health
                                       if h.data.get("cameras", {}).get("cam", {}).get("state") == "online"],
                           10, "a heartbeat with the camera online")
        assert beat[-1].data["cameras"]["cam"]["frames"] > 0
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, output.decode()
    await until(lambda: statuses and statuses[-1].detail == "camera worker stopped", 5,
                "the last status saying the worker stopped")
    assert statuses[-1].state == "offline"
