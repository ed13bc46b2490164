"""Sources that cannot be opened are reported clearly and retried; other cameras carry on."""

from __future__ import annotations

import logging
import socket

from tests.helpers.camera import SAMPLE, Recorder
from tests.helpers.waiting import until
from workers.contracts import CameraConfig


def free_port() -> int:
    """A local port nothing listens on: connecting to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_unopenable_sources_are_retried_and_the_good_camera_keeps_going(
        start_worker, recorder: Recorder, tmp_path, caplog) -> None:
    caplog.set_level(logging.INFO, logger="workers.camera")
    missing = tmp_path / "no-such-video.mp4"
    not_video = tmp_path / "notes.mp4"
    not_video.write_text("not a video")
    bad_url = f"rtsp://admin:s3cret@127.0.0.1:{free_port()}/stream1"
    worker = await start_worker([
        CameraConfig(camera_id="good", source=str(SAMPLE), analysis_fps=5),
        CameraConfig(camera_id="missing", source=str(missing)),
        CameraConfig(camera_id="garbage", source=str(not_video)),
        CameraConfig(camera_id="rtsp", source=bad_url),
    ])

    # Retried with backoff (1 s, then 2 s): a second attempt comes after about a second.
    await until(lambda: all(len(recorder.errors_of(c)) >= 2 for c in ("missing", "garbage", "rtsp")),
                6, "two open attempts per broken camera")
    missing_error = recorder.errors_of("missing")[0][1]
    assert missing_error.code == "open_failed"
    assert missing_error.error == f"cannot open {missing}: file not found"
    garbage_error = recorder.errors_of("garbage")[0][1]
    assert garbage_error.code == "open_failed" and "not a video" in garbage_error.error
    rtsp_error = recorder.errors_of("rtsp")[0][1]
    assert rtsp_error.code == "open_failed" and "connection refused" in rtsp_error.error
    for _, error in recorder.errors_of("rtsp"):  # the password never leaves the worker
        assert "s3cret" not in error.error + error.source and "admin:***@" in error.source
    rtsp_status = recorder.state("rtsp")
    assert rtsp_status.state == "reconnecting" and "s3cret" not in rtsp_status.detail
    assert "retrying in" in rtsp_status.detail
    # each attempt is one line in the log, a warning
    first_retry = [r for r in caplog.records
                   if "camera missing" in r.getMessage() and "retrying in 1 s" in r.getMessage()]
    assert [r.levelno for r in first_retry] == [logging.WARNING]

    await until(lambda: len(recorder.frames_of("good")) >= 12, 5, "frames from the good camera")
    assert recorder.state("good").state == "online"
    assert 4.0 <= recorder.rate("good", recorder.frames_of("good")[1][0]) <= 6.0
    assert not recorder.errors_of("good")
    stats = worker.stats()["cameras"]
    assert stats["good"]["frames"] > 0 and stats["missing"]["reconnects"] >= 2
    assert "s3cret" not in str(worker.stats())


async def test_an_address_of_an_unknown_kind_is_refused_as_such_not_as_a_missing_file(
        start_worker, recorder: Recorder) -> None:
    await start_worker([CameraConfig(camera_id="typo", source="htp://viewer:s3cret@10.0.4.21/live")])
    _, error = (await until(lambda: recorder.errors_of("typo"), 3, "the open error"))[0]
    assert (error.code, error.error) == (
        "open_failed", "cannot open htp://viewer:***@10.0.4.21/live: unknown kind of address htp://; "
                       "use rtsp://, rtsps://, http://, https://, file:// or a file path")
