"""The camera worker's tests: a sample video, videos written to order, and a recorder of what a
camera worker publishes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from workers.bus import Bus, Delivery
from workers.contracts import CameraError, CameraStatus, Frame

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "samples" / "entrance.mp4"




def write_video(path: Path, seconds: float, fps: float = 10.0, size: tuple[int, int] = (320, 240)) -> Path:
    """A short clip with a moving disc, so no two frames are alike."""
    width, height = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    assert writer.isOpened()
    for i in range(round(seconds * fps)):
        image = np.zeros((height, width, 3), np.uint8)
        cv2.circle(image, (20 + (i * 9) % (width - 40), height // 2), 18, (0, 255, 0), -1)
        writer.write(image)
    writer.release()
    return path


@dataclass
class Recorder:
    """Everything the worker publishes on camera.events, with arrival times (monotonic)."""

    frames: list[tuple[float, Frame, Delivery]] = field(default_factory=list)
    statuses: list[tuple[float, CameraStatus]] = field(default_factory=list)
    errors: list[tuple[float, CameraError]] = field(default_factory=list)

    async def attach(self, bus: Bus) -> None:
        ex = bus.topology.camera_events

        async def frame(msg: Frame, d: Delivery) -> None:
            self.frames.append((time.monotonic(), msg, d))

        async def status(msg: CameraStatus, _: Delivery) -> None:
            self.statuses.append((time.monotonic(), msg))

        async def error(msg: CameraError, _: Delivery) -> None:
            self.errors.append((time.monotonic(), msg))

        await bus.subscribe(ex, ["camera.frame.*"], frame, model=Frame, max_length=1000)
        await bus.subscribe(ex, ["camera.status.*"], status, model=CameraStatus, max_length=1000)
        await bus.subscribe(ex, ["camera.error.*"], error, model=CameraError, max_length=1000)

    def frames_of(self, camera_id: str, since: float = 0.0) -> list[tuple[float, Frame, Delivery]]:
        return [f for f in self.frames if f[1].camera_id == camera_id and f[0] >= since]

    def statuses_of(self, camera_id: str, since: float = 0.0) -> list[tuple[float, CameraStatus]]:
        return [s for s in self.statuses if s[1].camera_id == camera_id and s[0] >= since]

    def errors_of(self, camera_id: str, since: float = 0.0) -> list[tuple[float, CameraError]]:
        return [e for e in self.errors if e[1].camera_id == camera_id and e[0] >= since]

    def state(self, camera_id: str) -> CameraStatus | None:
        statuses = self.statuses_of(camera_id)
        return statuses[-1][1] if statuses else None

    def rate(self, camera_id: str, since: float) -> float:
        """Frames per second received from ``since`` to the last frame."""
        times = [t for t, *_ in self.frames_of(camera_id, since)]
        return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0




def is_state(recorder: Recorder, camera_id: str, state: str, since: float = 0.0) -> Callable[[], Any]:
    return lambda: next((s for t, s in recorder.statuses_of(camera_id, since) if s.state == state), None)
