"""A camera's state changes are facts: stored once each by analytics, even when analytics
starts after they happened."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.helpers.analytics import FAST
from tests.helpers.services import BROKER_URL
from tests.rabbit_util import purge_namespace
from workers.analytics import AnalyticsWorker
from workers.bus.rabbit import RabbitBus
from workers.camera import CameraWorker, Timing
from workers.contracts import CameraConfig, utcnow
from workers.samples import generate
from workers.storage.cameras import state_history
from workers.topology import Topology

pytestmark = [pytest.mark.rabbit, pytest.mark.slow]


async def test_a_camera_going_online_and_offline_is_stored_once_each(namespace: str,
                                                                    tmp_path: Path) -> None:
    topology = Topology(namespace)
    bus = RabbitBus(BROKER_URL, topology, source="camera-states-test")
    await bus.start()
    started = utcnow() - timedelta(seconds=1)
    # The camera plays a 6 s clip to its end while no analytics worker runs.
    clip = generate(tmp_path / "clip.mp4", people=1, seconds=6, fps=10, size=(320, 180))
    camera = CameraWorker([CameraConfig(camera_id="door", source=str(tmp_path / clip.video),
                                        analysis_fps=10)], timing=Timing(status_every=0.5))
    analytics = AnalyticsWorker(db_url=f"sqlite+aiosqlite:///{tmp_path / 'a.db'}",
                                reports_dir=tmp_path / "reports", settings=FAST)
    try:
        await camera.start(bus)
        deadline = time.monotonic() + 60
        while camera.stats()["cameras"]["door"]["state"] != "offline":
            assert time.monotonic() < deadline, "the sample never ended"
            await asyncio.sleep(0.2)
        await analytics.start(bus)
        history: list = []
        while len(history) < 3 and time.monotonic() < deadline:
            async with analytics.db.sessions() as session:
                history = await state_history(session, "door", started, utcnow())
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)
        async with analytics.db.sessions() as session:
            history = await state_history(session, "door", started, utcnow())
        assert [state for _, state, _ in history] == ["reconnecting", "online", "offline"]
        assert history[-1][2] == "end of file"
        assert [at for at, _, _ in history] == sorted(at for at, _, _ in history)
    finally:
        await camera.stop()
        await analytics.stop()
        await bus.close()
        await purge_namespace(BROKER_URL, topology, [topology.frame_queue("door").name,
                                                     topology.name("analytics.camera.control")])
