"""The camera worker: opens file, RTSP, HTTP/MJPEG and webcam sources, keeps them connected,
samples frames at each camera's analysis rate and publishes them with the cameras' health."""

from typing import Any

from workers.camera.sources import Source, SourceError
from workers.camera.timing import Timing

__all__ = ["CameraWorker", "Source", "SourceError", "Timing"]


def __getattr__(name: str) -> Any:
    # The console checks camera addresses with ``sources``; the worker loads when it is asked for.
    if name == "CameraWorker":
        from workers.camera.worker import CameraWorker

        return CameraWorker
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
