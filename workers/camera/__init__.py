"""The camera worker: opens file, RTSP, HTTP/MJPEG and webcam sources, keeps them connected,
samples frames at each camera's analysis rate and publishes them with the cameras' health."""

from workers.camera.sources import Source, SourceError
from workers.camera.timing import Timing
from workers.camera.worker import CameraWorker

__all__ = ["CameraWorker", "Source", "SourceError", "Timing"]
