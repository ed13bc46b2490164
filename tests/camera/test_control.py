"""Control messages: change the rate, add cameras at runtime, stop, start and remove them."""

from __future__ import annotations

import asyncio
import time

from tests.helpers.camera import SAMPLE, Recorder, is_state
from tests.helpers.waiting import until
from workers.contracts import CameraConfig


async def test_set_fps_changes_the_rate(start_worker, recorder: Recorder, control) -> None:
    await start_worker([CameraConfig(camera_id="cam", source=str(SAMPLE), analysis_fps=2)])
    await until(lambda: recorder.frames_of("cam"), 5, "the first frame")
    since = time.monotonic()
    await asyncio.sleep(2.5)
    assert 1.6 <= recorder.rate("cam", since) <= 2.4

    await control("cam", "set_fps", fps=8)
    await asyncio.sleep(0.5)
    since = time.monotonic()
    await asyncio.sleep(2.5)
    assert 7.0 <= recorder.rate("cam", since) <= 9.0
    assert not recorder.errors


async def test_configure_adds_a_camera_and_changes_one_without_restart(
        start_worker, recorder: Recorder, control) -> None:
    worker = await start_worker([CameraConfig(camera_id="cam", source=str(SAMPLE), analysis_fps=5)])
    await until(is_state(recorder, "cam", "online"), 5, "cam online")

    await control("new", "configure",
                  config=CameraConfig(camera_id="new", source=str(SAMPLE), analysis_fps=4))
    await control("elsewhere", "configure",  # another group's camera: another worker's job
                  config=CameraConfig(camera_id="elsewhere", source=str(SAMPLE), group="dock"))
    await until(lambda: len(recorder.frames_of("new")) >= 3, 5, "frames from the added camera")
    assert "elsewhere" not in worker.stats()["cameras"]

    changed_at = time.monotonic()
    await control("cam", "configure", config=CameraConfig(
        camera_id="cam", source=str(SAMPLE), analysis_fps=5, jpeg_quality=40))
    await until(lambda: [f for _, f, _ in recorder.frames_of("cam", changed_at) if f.quality == 40],
                3, "frames at the new quality")
    assert all(s.state == "online" for _, s in recorder.statuses_of("cam", changed_at))
    assert worker.stats()["cameras"]["cam"]["reconnects"] == 0


async def test_stop_start_and_remove(start_worker, recorder: Recorder, control) -> None:
    worker = await start_worker([CameraConfig(camera_id="a", source=str(SAMPLE), analysis_fps=5),
                                 CameraConfig(camera_id="b", source=str(SAMPLE), analysis_fps=5)])
    await until(lambda: recorder.frames_of("a") and recorder.frames_of("b"), 5, "frames from both")

    await control("a", "stop")
    stopped = await until(is_state(recorder, "a", "offline"), 3, "a offline")
    assert stopped.detail == "stopped by operator"
    await asyncio.sleep(0.3)
    quiet_since = time.monotonic()
    await asyncio.sleep(1.5)
    assert not recorder.frames_of("a", quiet_since)
    assert len(recorder.frames_of("b", quiet_since)) >= 5  # the other camera is untouched

    restarted_at = time.monotonic()
    await control("a", "start")
    await until(lambda: len(recorder.frames_of("a", restarted_at)) >= 3, 5, "a publishing again")

    await control("b", "remove")
    removed = await until(is_state(recorder, "b", "offline", restarted_at), 3, "b offline")
    assert removed.detail == "removed"
    await asyncio.sleep(0.3)
    quiet_since = time.monotonic()
    await asyncio.sleep(1.5)
    assert not recorder.frames_of("b", quiet_since)
    assert set(worker.stats()["cameras"]) == {"a"}
    await control("b", "start")  # gone: a start for it is another worker's business now
    await asyncio.sleep(0.5)
    assert set(worker.stats()["cameras"]) == {"a"} and not recorder.frames_of("b", quiet_since)


async def test_camera_moved_to_another_group_is_let_go(start_worker, recorder: Recorder, control) -> None:
    worker = await start_worker([CameraConfig(camera_id="cam", source=str(SAMPLE))])
    await until(is_state(recorder, "cam", "online"), 5, "cam online")
    await control("cam", "configure", config=CameraConfig(camera_id="cam", source=str(SAMPLE), group="dock"))
    moved = await until(is_state(recorder, "cam", "offline"), 3, "cam handed over")
    assert moved.detail == "moved to group 'dock'" and not worker.stats()["cameras"]
