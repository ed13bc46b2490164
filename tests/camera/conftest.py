"""Camera worker tests: a real bus, a recorder of what the worker publishes, test videos."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import cv2
import numpy as np
import pytest

from tests.camera.mjpeg_server import MjpegServer
from tests.camera.rtsp_server import RtspServer
from workers.bus import Bus, Delivery, InProcessBus
from workers.camera import CameraWorker, Timing
from workers.contracts import CameraConfig, CameraControl, CameraError, CameraStatus, Frame
from workers.topology import Topology

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "samples" / "entrance.mp4"

T = TypeVar("T")


def write_video(path: Path, seconds: float, fps: float = 10.0, size: tuple[int, int] = (320, 240)) -> Path:
    """A short clip with a moving disc, so no two frames are alike."""
    width, height = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    assert writer.isOpened()
    for i in range(round(seconds * fps)):
        image = np.zeros((height, width, 3), np.uint8)
        cv2.circle(image, (20 + (i * 9) % (width - 40), height // 2), 18, (0, 255, 0), -1)
        writer.write(image)
    writer.release()
    return path


@dataclass
class Recorder:
    """Everything the worker publishes on camera.events, with arrival times (monotonic)."""

    frames: list[tuple[float, Frame, Delivery]] = field(default_factory=list)
    statuses: list[tuple[float, CameraStatus]] = field(default_factory=list)
    errors: list[tuple[float, CameraError]] = field(default_factory=list)

    async def attach(self, bus: Bus) -> None:
        ex = bus.topology.camera_events

        async def frame(msg: Frame, d: Delivery) -> None:
            self.frames.append((time.monotonic(), msg, d))

        async def status(msg: CameraStatus, _: Delivery) -> None:
            self.statuses.append((time.monotonic(), msg))

        async def error(msg: CameraError, _: Delivery) -> None:
            self.errors.append((time.monotonic(), msg))

        await bus.subscribe(ex, ["camera.frame.*"], frame, model=Frame, max_length=1000)
        await bus.subscribe(ex, ["camera.status.*"], status, model=CameraStatus, max_length=1000)
        await bus.subscribe(ex, ["camera.error.*"], error, model=CameraError, max_length=1000)

    def frames_of(self, camera_id: str, since: float = 0.0) -> list[tuple[float, Frame, Delivery]]:
        return [f for f in self.frames if f[1].camera_id == camera_id and f[0] >= since]

    def statuses_of(self, camera_id: str, since: float = 0.0) -> list[tuple[float, CameraStatus]]:
        return [s for s in self.statuses if s[1].camera_id == camera_id and s[0] >= since]

    def errors_of(self, camera_id: str, since: float = 0.0) -> list[tuple[float, CameraError]]:
        return [e for e in self.errors if e[1].camera_id == camera_id and e[0] >= since]

    def state(self, camera_id: str) -> CameraStatus | None:
        statuses = self.statuses_of(camera_id)
        return statuses[-1][1] if statuses else None

    def rate(self, camera_id: str, since: float) -> float:
        """Frames per second received from ``since`` to the last frame."""
        times = [t for t, *_ in self.frames_of(camera_id, since)]
        return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


async def wait_for(check: Callable[[], T], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.05)
    return result


def is_state(recorder: Recorder, camera_id: str, state: str, since: float = 0.0) -> Callable[[], Any]:
    return lambda: next((s for t, s in recorder.statuses_of(camera_id, since) if s.state == state), None)


@pytest.fixture
async def bus() -> AsyncIterator[InProcessBus]:
    b = InProcessBus(Topology(), source="camera-test")
    await b.start()
    yield b
    await b.close()


@pytest.fixture
async def recorder(bus: Bus) -> Recorder:
    r = Recorder()
    await r.attach(bus)
    return r


@pytest.fixture
async def start_worker(bus: Bus) -> AsyncIterator[Callable[..., Awaitable[CameraWorker]]]:
    """Start a CameraWorker on the test bus; stopped at the end of the test."""
    started: list[CameraWorker] = []

    async def start(cameras: list[CameraConfig], **kwargs: Any) -> CameraWorker:
        kwargs.setdefault("timing", Timing(status_every=1.0))
        worker = CameraWorker(cameras, **kwargs)
        await worker.start(bus)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        await worker.stop()


@pytest.fixture
def control(bus: Bus) -> Callable[..., Awaitable[None]]:
    async def send(camera_id: str, action: str, **fields: Any) -> None:
        message = CameraControl(camera_id=camera_id, action=action, requested_by="test", **fields)
        await bus.publish(bus.topology.camera_events, bus.topology.control_key(camera_id), message,
                          persistent=False)

    return send


@pytest.fixture
async def mjpeg() -> AsyncIterator[MjpegServer]:
    server = MjpegServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def rtsp() -> Iterator[RtspServer]:
    """A real RTSP camera (GStreamer's RTSP server). Skipped where it cannot run, unless
    scripts/services.sh found it installed (then missing it is a failure)."""
    if why := RtspServer.unavailable():
        if "rtsp" in os.environ.get("CAMCOUNT_REQUIRE_SERVICES", "").split(","):
            pytest.fail(why)
        pytest.skip(why)
    server = RtspServer()
    server.start()
    yield server
    server.kill()
