"""Camera worker tests: a real bus, a recorder of what the worker publishes, test videos."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

from tests.camera.mjpeg_server import MjpegServer
from tests.camera.rtsp_server import RtspServer
from tests.helpers.camera import Recorder
from workers.bus import Bus, InProcessBus
from workers.camera import CameraWorker, Timing
from workers.contracts import CameraConfig, CameraControl
from workers.topology import Topology


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
