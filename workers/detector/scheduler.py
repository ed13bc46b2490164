"""Which frames the detector analyses next: each camera's newest, cameras in turn.

A camera's frame waits here rather than in the broker. The handler of each delivery hands its
frame over and waits for its outcome, and the delivery is acknowledged only then, so a worker
that dies or stops gives back what it held and a standby takes it over. Each camera has one
frame waiting at most: a newer frame replaces it, and the replaced one is skipped (acknowledged
at once, so the broker keeps sending and the newest frame is always here, never behind a
backlog in the broker or the connection). A frame that could not be analysed before a newer one
came is worth nothing to the wall, and the tracker links positions across the gap. When an
inference lane is free, the cameras with a frame waiting are served in the order they started
waiting (up to ``batch`` cameras together). So a detector slower than its cameras shows the
operator a lower rate of fresh frames, not a growing backlog of old ones; a detector that keeps
up skips nothing.

Skipped frames are counted per camera (``frames_skipped`` in heartbeats, and in each result the
number skipped since the camera's previous result). A camera is never in two lanes at once, so
its pipeline still sees its frames in order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from workers.contracts import Frame
from workers.detector.followed import FollowedCamera

log = logging.getLogger(__name__)

#: analyse these (camera, frame) pairs; one outcome per pair: None, or what went wrong
Analyse = Callable[[list[tuple[FollowedCamera, Frame]]], Awaitable[list[BaseException | None]]]


@dataclass
class _Waiting:
    frame: Frame
    done: asyncio.Future[None]


class FrameScheduler:
    def __init__(self, analyse: Analyse, *, lanes: int = 1, batch: int = 1):
        """``lanes``: batches analysed at the same time; ``batch``: cameras per batch."""
        self._analyse = analyse
        self.lanes, self.batch = lanes, batch
        self._waiting: dict[str, _Waiting] = {}
        #: cameras with frames waiting and no frame in a lane, in the order they started waiting
        self._ready: dict[str, FollowedCamera] = {}
        self._busy: set[str] = set()
        self._running: set[asyncio.Task[None]] = set()
        self._closed = False

    def submit(self, cam: FollowedCamera, frame: Frame) -> asyncio.Future[None]:
        """Wait for this frame's turn: the future ends when it was analysed or skipped, and
        is cancelled when the frame is given back (the worker stops following the camera)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._closed:
            done.cancel()
            return done
        replaced = self._waiting.get(cam.camera_id)
        if replaced is not None:
            replaced.done.set_result(None)  # skipped: acknowledged, never analysed
            cam.frames_skipped += 1
            cam.skipped_since_result += 1
        self._waiting[cam.camera_id] = _Waiting(frame, done)
        if cam.camera_id not in self._busy:
            self._ready.setdefault(cam.camera_id, cam)
            self._start_lanes()
        return done

    def give_back(self, camera_id: str) -> None:
        """The camera's waiting frames go back to the broker (their handlers are cancelled)."""
        self._ready.pop(camera_id, None)
        if (waiting := self._waiting.pop(camera_id, None)) is not None:
            waiting.done.cancel()

    def close(self) -> None:
        """Take no more frames and give back every waiting one; the frames being analysed
        finish (their deliveries' handlers return then)."""
        self._closed = True
        for camera_id in list(self._waiting):
            self.give_back(camera_id)

    # -- lanes --------------------------------------------------------------------------------
    def _start_lanes(self) -> None:
        while self._ready and len(self._running) < self.lanes:
            picked: list[tuple[FollowedCamera, _Waiting]] = []
            for camera_id in list(self._ready)[: self.batch]:
                cam = self._ready.pop(camera_id)
                picked.append((cam, self._waiting.pop(camera_id)))
                self._busy.add(camera_id)
            task = asyncio.get_running_loop().create_task(self._lane(picked))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _lane(self, picked: list[tuple[FollowedCamera, _Waiting]]) -> None:
        try:
            outcomes = await self._analyse([(cam, w.frame) for cam, w in picked])
        except asyncio.CancelledError:
            for _, w in picked:
                w.done.cancel()
            raise
        except Exception as exc:  # handed to the deliveries' handlers, as a handler's own error
            outcomes = [exc] * len(picked)
        for (cam, w), outcome in zip(picked, outcomes, strict=True):
            if not w.done.done():
                if outcome is None:
                    w.done.set_result(None)
                else:
                    w.done.set_exception(outcome)
            self._busy.discard(cam.camera_id)
            if cam.camera_id in self._waiting and not self._closed:
                self._ready.setdefault(cam.camera_id, cam)
        self._running.discard(asyncio.current_task())  # type: ignore[arg-type]
        self._start_lanes()
