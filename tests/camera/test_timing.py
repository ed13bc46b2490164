"""The camera's time rules and source parsing, without any I/O."""

from __future__ import annotations

import pytest

from workers.camera import Source
from workers.camera.timing import Backoff, FpsMeter, RateSampler


def test_backoff_doubles_to_the_cap_and_resets() -> None:
    backoff = Backoff(1.0, 30.0)
    assert [backoff.next() for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    backoff.reset()
    assert backoff.next() == 1


def sampled(source_fps: float, target_fps: float, seconds: float = 10.0, jitter: float = 0.0) -> float:
    """Frames per second the sampler lets through from a steady source."""
    sampler = RateSampler()
    n = int(seconds * source_fps)
    # alternate early and late arrivals, as a real network stream does
    times = [i / source_fps + (jitter if i % 2 else -jitter) for i in range(n)]
    taken = [t for t in times if sampler.take(t, target_fps)]
    return (len(taken) - 1) / (taken[-1] - taken[0])


@pytest.mark.parametrize(("source", "target", "expected"), [
    (10, 5, 5), (25, 10, 10), (30, 7, 7), (10, 10, 10), (3, 10, 3), (60, 1, 1)])
def test_sampler_reaches_the_target_rate_without_drift(source: float, target: float,
                                                        expected: float) -> None:
    assert sampled(source, target) == pytest.approx(expected, rel=0.05)


def test_sampler_loses_nothing_to_jitter_at_the_source_rate() -> None:
    assert sampled(10, 10, jitter=0.01) == pytest.approx(10, rel=0.02)


def test_fps_meter_measures_and_falls_to_zero_when_frames_stop() -> None:
    meter = FpsMeter(window=5.0)
    for i in range(26):
        meter.tick(i * 0.2)
    assert meter.rate(5.0) == pytest.approx(5.0)
    assert 0 < meter.rate(7.0) < 5.0  # a stall shows at once, not after the window
    assert meter.rate(11.0) == 0.0


@pytest.mark.parametrize(("address", "kind", "display"), [
    ("rtsp://admin:pw@10.0.0.5:554/stream1", "rtsp", "rtsp://admin:***@10.0.0.5:554/stream1"),
    ("https://cam.local/mjpg/video.mjpg", "http", "https://cam.local/mjpg/video.mjpg"),
    ("0", "webcam", "webcam 0"),
    ("resources/samples/entrance.mp4", "file", "resources/samples/entrance.mp4"),
    (r"C:\videos\door.mp4", "file", r"C:\videos\door.mp4"),
])
def test_sources_are_recognised_and_shown_without_password(address: str, kind: str, display: str) -> None:
    source = Source.parse(address)
    assert (source.kind, source.display, source.live) == (kind, display, kind != "file")
