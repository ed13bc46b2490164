"""Privacy masks with the site's privacy off, on a real RabbitMQ: every frame the camera worker
publishes has its camera's stored mask filled, from the very first, and a mask moved in a new
zones version is filled where it now is from the frames after the save, without a restart."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.helpers.services import BROKER_URL
from tests.helpers.waiting import until
from tests.rabbit_util import purge_namespace
from workers.analytics import AnalyticsClient, AnalyticsWorker
from workers.bus import Delivery
from workers.bus.rabbit import RabbitBus
from workers.camera.worker import CameraWorker
from workers.contracts import CameraConfig, Frame, MaskDef, ZoneSet
from workers.privacy import MASK_COLOUR, PrivacySettings
from workers.samples import generate
from workers.topology import Topology

pytestmark = pytest.mark.rabbit

TOP_LEFT = MaskDef(id="window", points=[(0, 0), (120, 0), (120, 80), (0, 80)])
BOTTOM_RIGHT = MaskDef(id="door", points=[(500, 260), (640, 260), (640, 360), (500, 360)])


def filled(image: np.ndarray, x1: int, y1: int, x2: int, y2: int) -> bool:
    """The region is the mask's flat grey (JPEG aside)."""
    return bool(np.abs(image[y1:y2, x1:x2].astype(int) - MASK_COLOUR[0]).max() < 12)


async def test_the_camera_worker_fills_stored_masks_and_follows_a_new_version(
        namespace: str, tmp_path: Path) -> None:
    truth = generate(tmp_path / "door.mp4", people=2, fps=10, size=(640, 360), seed=5)
    t = Topology(namespace)
    buses = [RabbitBus(BROKER_URL, t, source=s) for s in ("analytics", "camera-1", "watcher")]
    for b in buses:
        await b.start()
    analytics = AnalyticsWorker(db_url=f"sqlite+aiosqlite:///{tmp_path / 'a.db'}",
                                worker_id="analytics-masks")
    camera = CameraWorker([CameraConfig(camera_id="door", source=str(tmp_path / truth.video),
                                        analysis_fps=10, loop=True)],
                          privacy=PrivacySettings("off"))
    frames: list[np.ndarray] = []

    async def on_frame(f: Frame, _: Delivery) -> None:
        frames.append(cv2.imdecode(np.frombuffer(f.jpeg, np.uint8), cv2.IMREAD_COLOR))

    try:
        await analytics.start(buses[0])
        v1 = ZoneSet(camera_id="door", frame_width=truth.width, frame_height=truth.height,
                     privacy_masks=[TOP_LEFT])
        assert await analytics.zones.seed(v1)
        await buses[2].subscribe(t.camera_events, [t.frame_key("door")], on_frame,
                                 model=Frame, max_length=1000)
        await camera.start(buses[1])
        await until(lambda: len(frames) >= 10, timeout=30, what="10 frames")
        # from the very first frame: the mask is filled, the rest is the picture
        assert all(filled(f, 2, 2, 118, 78) for f in frames)
        assert not any(filled(f, 508, 268, 632, 352) for f in frames)

        saved = await AnalyticsClient(buses[2]).save_zone_set(
            v1.model_copy(update={"version": 2, "privacy_masks": [BOTTOM_RIGHT]}),
            base_version=1, requested_by="admin")
        assert saved.saved, saved.error
        after = len(frames)
        await until(lambda: any(filled(f, 508, 268, 632, 352) for f in frames[after:]),
                    timeout=10, what="the moved mask filled")
        moved = next(i for i in range(after, len(frames))
                     if filled(frames[i], 508, 268, 632, 352))
        await until(lambda: len(frames) >= moved + 10, timeout=30, what="10 more frames")
        # once moved, every later frame has it where it is now, and the old place shows
        assert all(filled(f, 508, 268, 632, 352) for f in frames[moved:])
        assert not any(filled(f, 2, 2, 118, 78) for f in frames[moved:])
    finally:
        await camera.stop()
        await analytics.stop()
        for b in buses:
            await b.close()
        await purge_namespace(BROKER_URL, t)


async def test_a_camera_worker_restarted_while_analytics_is_down_fills_the_masks_it_knew(
        namespace: str, tmp_path: Path) -> None:
    truth = generate(tmp_path / "door.mp4", people=2, fps=10, size=(640, 360), seed=5)
    t = Topology(namespace)
    buses = [RabbitBus(BROKER_URL, t, source=s) for s in ("analytics", "watcher")]
    for b in buses:
        await b.start()
    analytics = AnalyticsWorker(db_url=f"sqlite+aiosqlite:///{tmp_path / 'a.db'}",
                                worker_id="analytics-masks")
    config = CameraConfig(camera_id="door", source=str(tmp_path / truth.video), analysis_fps=10,
                          loop=True)
    frames: list[np.ndarray] = []

    async def on_frame(f: Frame, _: Delivery) -> None:
        frames.append(cv2.imdecode(np.frombuffer(f.jpeg, np.uint8), cv2.IMREAD_COLOR))

    async def run_camera(count: int) -> list[np.ndarray]:
        """Frames of a camera worker started afresh, as a restarted process would be."""
        bus = RabbitBus(BROKER_URL, t, source="camera-1")
        await bus.start()
        camera = CameraWorker([config], privacy=PrivacySettings("off"))
        first = len(frames)
        try:
            await camera.start(bus)
            await until(lambda: len(frames) >= first + count, timeout=30, what=f"{count} frames")
            return frames[first:]
        finally:
            await camera.stop()
            await bus.close()

    try:
        await analytics.start(buses[0])
        assert await analytics.zones.seed(ZoneSet(
            camera_id="door", frame_width=truth.width, frame_height=truth.height,
            privacy_masks=[TOP_LEFT]))
        await buses[1].subscribe(t.camera_events, [t.frame_key("door")], on_frame,
                                 model=Frame, max_length=1000)
        assert all(filled(f, 2, 2, 118, 78) for f in await run_camera(5))
        await analytics.stop()  # analytics goes down; the camera worker is restarted
        again = await run_camera(10)
        # from the very first frame after the restart, the window is hidden as before
        assert all(filled(f, 2, 2, 118, 78) for f in again)
        assert not any(filled(f, 508, 268, 632, 352) for f in again)
    finally:
        await analytics.stop()
        for b in buses:
            await b.close()
        await purge_namespace(BROKER_URL, t)
