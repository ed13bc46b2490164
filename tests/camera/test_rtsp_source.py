"""A real RTSP camera (GStreamer's RTSP server on loopback) that streams, dies or hangs, and comes
back.

Each test runs over TCP, OpenCV's default for RTSP (it asks FFmpeg to prefer TCP unless
OPENCV_FFMPEG_CAPTURE_OPTIONS is set), and over UDP, as set in that variable. The ``rtsp`` fixture
comes first in each test so the server outlives the worker.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.camera.rtsp_server import RtspServer
from tests.helpers.camera import Recorder, is_state
from tests.helpers.waiting import until
from workers.camera import Timing
from workers.contracts import CameraConfig

pytestmark = pytest.mark.slow

#: the worker's default stall rule, shorter retries and connect timeout to keep the tests short
TIMING = Timing(status_every=1.0, backoff_base=0.5, backoff_cap=4.0, open_timeout=4.0)
#: what the operator is promised: a stalled source is noticed within this
NOTICE_WITHIN = 5.0


@pytest.fixture(params=["tcp", "udp"])
def transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "udp":
        monkeypatch.setenv("OPENCV_FFMPEG_CAPTURE_OPTIONS", "rtsp_transport;udp")
    else:
        monkeypatch.delenv("OPENCV_FFMPEG_CAPTURE_OPTIONS", raising=False)
    return request.param


async def test_rtsp_stream_is_published(rtsp: RtspServer, transport: str, start_worker,
                                        recorder: Recorder) -> None:
    await start_worker([CameraConfig(camera_id="dock", source=rtsp.url, analysis_fps=5)], timing=TIMING)
    await until(is_state(recorder, "dock", "online"), 10, "online")
    await until(lambda: len(recorder.frames_of("dock")) >= 10, 5, "ten frames")
    frame = recorder.frames_of("dock")[-1][1]
    assert (frame.width, frame.height) == rtsp.size
    assert 4.0 <= recorder.rate("dock", recorder.frames_of("dock")[0][0]) <= 6.0
    status = recorder.state("dock")
    assert status.state == "online" and 4.0 <= status.fps <= 6.0, status
    assert not recorder.errors_of("dock")


async def test_killed_server_is_reported_and_the_camera_comes_back_by_itself(
        rtsp: RtspServer, transport: str, start_worker, recorder: Recorder) -> None:
    await start_worker([CameraConfig(camera_id="dock", source=rtsp.url, analysis_fps=5)], timing=TIMING)
    await until(is_state(recorder, "dock", "online"), 10, "online")

    died_at = time.monotonic()
    rtsp.kill()
    left_at, status = await until(
        lambda: next(((t, s) for t, s in recorder.statuses_of("dock", died_at) if s.state != "online"),
                     None), NOTICE_WITHIN + 1, "the camera to leave online")
    print(f"{transport}: killed server noticed after {left_at - died_at:.2f} s")
    assert left_at - died_at < NOTICE_WITHIN, f"noticed after {left_at - died_at:.2f} s"
    assert status.state == "reconnecting"
    first = recorder.errors_of("dock", died_at)[0][1]
    assert first.code in ("read_failed", "stalled") and first.source == rtsp.url
    # It keeps trying, and says why it cannot get through.
    refused = await until(lambda: [e for _, e in recorder.errors_of("dock", died_at)
                                      if e.code == "open_failed"], 5, "an open_failed error")
    assert "connection refused" in refused[0].error
    assert not recorder.frames_of("dock", left_at + 0.5)

    back_at = time.monotonic()
    await asyncio.to_thread(rtsp.start)  # the same port: the camera's address has not changed
    await until(is_state(recorder, "dock", "online", back_at), 15, "online again")
    await until(lambda: len(recorder.frames_of("dock", back_at)) >= 5, 5, "frames again")


async def test_hung_server_is_noticed_and_the_camera_comes_back(
        rtsp: RtspServer, transport: str, start_worker, recorder: Recorder) -> None:
    await start_worker([CameraConfig(camera_id="dock", source=rtsp.url, analysis_fps=5)], timing=TIMING)
    await until(is_state(recorder, "dock", "online"), 10, "online")

    hung_at = time.monotonic()
    rtsp.hang()  # FFmpeg's read now blocks: the worker must not wait for it
    left_at, status = await until(
        lambda: next(((t, s) for t, s in recorder.statuses_of("dock", hung_at) if s.state != "online"),
                     None), NOTICE_WITHIN + 1, "the camera to leave online")
    print(f"{transport}: hung server noticed after {left_at - hung_at:.2f} s")
    assert left_at - hung_at < NOTICE_WITHIN, f"noticed after {left_at - hung_at:.2f} s"
    assert status.state == "reconnecting" and "no picture" in status.detail
    assert recorder.errors_of("dock", hung_at)[0][1].code == "stalled"

    back_at = time.monotonic()
    rtsp.hang(False)
    await until(is_state(recorder, "dock", "online", back_at), 15, "online again")
    await until(lambda: len(recorder.frames_of("dock", back_at)) >= 5, 5, "frames again")
