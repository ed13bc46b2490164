"""A video file as a camera: real-time playback sampled at the analysis rate, end of file, loop."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import cv2
import numpy as np

from tests.helpers.camera import SAMPLE, Recorder, is_state, write_video
from tests.helpers.waiting import until
from workers.bus import TRACE_HEADER
from workers.contracts import CameraConfig


async def test_file_frames_arrive_at_the_analysis_rate(start_worker, recorder: Recorder) -> None:
    await start_worker([CameraConfig(camera_id="entrance", source=str(SAMPLE), analysis_fps=5,
                                     jpeg_quality=70)])
    await until(lambda: recorder.frames_of("entrance"), 5, "the first frame")
    since = time.monotonic()
    await asyncio.sleep(3.0)

    rate = recorder.rate("entrance", since)
    assert 4.3 <= rate <= 5.7, f"{rate:.2f} fps published for an analysis rate of 5"
    _, frame, delivery = recorder.frames_of("entrance", since)[-1]
    image = cv2.imdecode(np.frombuffer(frame.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape == (540, 960, 3)
    assert (frame.width, frame.height, frame.quality) == (960, 540, 70)
    assert 4 <= frame.fps <= 6
    assert frame.metadata.source == "camera-test"
    assert delivery.headers["frame_id"] == frame.frame_id and delivery.headers["priority"] == 5
    assert delivery.headers[TRACE_HEADER] == frame.message_id  # the trace starts at the frame
    assert len({f.frame_id for _, f, _ in recorder.frames_of("entrance")}) == len(
        recorder.frames_of("entrance"))

    online = await until(lambda: [s for _, s in recorder.statuses_of("entrance", since)
                                     if s.state == "online" and 4 <= s.fps <= 6], 3,
                         "an online status with the measured fps")
    assert online[-1].last_frame_at is not None and online[-1].worker_id == "camera-test"
    assert not recorder.errors


async def test_file_end_takes_the_camera_offline(start_worker, recorder: Recorder,
                                                 tmp_path: Path) -> None:
    clip = write_video(tmp_path / "short.mp4", seconds=1.5)
    worker = await start_worker([CameraConfig(camera_id="clip", source=str(clip), analysis_fps=10)])

    status = await until(is_state(recorder, "clip", "offline"), 6, "offline at the end of file")
    assert status.detail == "end of file"
    played = len(recorder.frames_of("clip"))
    assert 10 <= played <= 16, f"{played} frames from a 1.5 s clip at 10 fps"
    await asyncio.sleep(1.0)
    assert len(recorder.frames_of("clip")) == played
    assert worker.stats()["cameras"]["clip"]["state"] == "offline"
    assert not recorder.errors


async def test_looping_file_keeps_playing(start_worker, recorder: Recorder, tmp_path: Path) -> None:
    clip = write_video(tmp_path / "loop.mp4", seconds=1.0)
    await start_worker([CameraConfig(camera_id="loop", source=str(clip), analysis_fps=5, loop=True)])
    await until(lambda: recorder.frames_of("loop"), 5, "the first frame")
    since = time.monotonic()
    await asyncio.sleep(3.0)  # three times the clip's length

    assert 4.3 <= recorder.rate("loop", since) <= 5.7
    assert recorder.state("loop").state == "online"
    assert not recorder.errors
