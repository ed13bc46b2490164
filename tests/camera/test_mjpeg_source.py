"""A real HTTP MJPEG camera that freezes, goes silent, dies and comes back.

The ``mjpeg`` fixture comes first in each test so the server outlives the worker.
"""

from __future__ import annotations

import time

import pytest

from tests.camera.mjpeg_server import MjpegServer
from tests.helpers.camera import Recorder, is_state
from tests.helpers.waiting import until
from workers.camera import Timing
from workers.contracts import CameraConfig

pytestmark = pytest.mark.slow

#: the worker's default stall rule, shorter retries and connect timeout to keep the tests short
TIMING = Timing(status_every=1.0, backoff_base=0.5, backoff_cap=4.0, open_timeout=4.0)
#: what the operator is promised: a stalled source is noticed within this
NOTICE_WITHIN = 5.0


async def test_mjpeg_stream_is_published(mjpeg: MjpegServer, start_worker, recorder: Recorder) -> None:
    await start_worker([CameraConfig(camera_id="door", source=mjpeg.url, analysis_fps=5)], timing=TIMING)
    await until(is_state(recorder, "door", "online"), 10, "online")
    await until(lambda: len(recorder.frames_of("door")) >= 10, 5, "ten frames")
    frame = recorder.frames_of("door")[-1][1]
    assert (frame.width, frame.height) == mjpeg.size
    assert 4.0 <= recorder.rate("door", recorder.frames_of("door")[0][0]) <= 6.0


@pytest.mark.parametrize("freeze", ["silent", "repeat"])
async def test_frozen_stream_is_noticed_and_recovers(mjpeg: MjpegServer, start_worker,
                                                      recorder: Recorder, freeze: str) -> None:
    worker = await start_worker([CameraConfig(camera_id="door", source=mjpeg.url, analysis_fps=5)],
                                timing=TIMING)
    await until(is_state(recorder, "door", "online"), 10, "online")

    frozen_at = time.monotonic()
    mjpeg.mode = freeze  # the connection stays open: only the pictures stop changing
    left_at, status = await until(
        lambda: next(((t, s) for t, s in recorder.statuses_of("door", frozen_at) if s.state != "online"),
                     None), NOTICE_WITHIN + 1, "the camera to leave online")
    assert left_at - frozen_at < NOTICE_WITHIN, f"noticed after {left_at - frozen_at:.2f} s"
    print(f"{freeze} stream noticed after {left_at - frozen_at:.2f} s")
    assert status.state == "reconnecting"
    error = recorder.errors_of("door", frozen_at)[0][1]
    assert error.code == "stalled" and error.source == mjpeg.url
    if freeze == "repeat":
        assert "same image" in error.error and "same image" in status.detail
    # It keeps trying, and a connection that shows the same frozen picture is not "online".
    await until(lambda: worker.stats()["cameras"]["door"]["reconnects"] >= 2, 15, "reconnect attempts")
    assert all(s.state != "online" for _, s in recorder.statuses_of("door", left_at))
    frames_while_frozen = recorder.frames_of("door", left_at + 0.5)
    assert not frames_while_frozen

    resumed_at = time.monotonic()
    mjpeg.mode = "live"
    await until(is_state(recorder, "door", "online", resumed_at), 10, "online again")
    await until(lambda: len(recorder.frames_of("door", resumed_at)) >= 5, 5, "frames again")


async def test_dead_server_is_reported_and_recovers_on_the_same_port(
        mjpeg: MjpegServer, start_worker, recorder: Recorder) -> None:
    await start_worker([CameraConfig(camera_id="door", source=mjpeg.url, analysis_fps=5)], timing=TIMING)
    await until(is_state(recorder, "door", "online"), 10, "online")

    died_at = time.monotonic()
    await mjpeg.stop()
    left_at, _ = await until(
        lambda: next(((t, s) for t, s in recorder.statuses_of("door", died_at) if s.state != "online"),
                     None), NOTICE_WITHIN + 1, "the camera to leave online")
    assert left_at - died_at < NOTICE_WITHIN
    first = recorder.errors_of("door", died_at)[0][1]
    assert first.code in ("read_failed", "stalled")
    refused = await until(lambda: [e for _, e in recorder.errors_of("door", died_at)
                                      if e.code == "open_failed"], 5, "an open_failed error")
    assert "connection refused" in refused[0].error
    # Down past the longest retry delay: offline, still retrying.
    offline = await until(is_state(recorder, "door", "offline", died_at), 12, "offline")
    assert "retrying in 4 s" in offline.detail

    back_at = time.monotonic()
    await mjpeg.start()
    await until(is_state(recorder, "door", "online", back_at), 10, "online again")
    await until(lambda: len(recorder.frames_of("door", back_at)) >= 5, 5, "frames again")
