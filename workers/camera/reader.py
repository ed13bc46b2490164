"""The reader thread of one camera connection, and the hand-over of its newest picture.

OpenCV's open and read block (for seconds on a network source), so each connection gets its own
thread; the event loop only ever sees finished pictures. A live source is read as fast as it
delivers, which keeps the driver's buffer empty (no growing delay); a file is played at its own
frame rate, since it stands in for a live camera.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import cv2
import numpy as np

from workers.camera.sources import Source, SourceError, native_fps
from workers.contracts.phrases import Phrase, say


@dataclass(frozen=True)
class Snapshot:
    image: np.ndarray
    #: grows with every new picture of the camera, across reconnects
    seq: int
    #: time.monotonic() when read
    at: float
    #: wall-clock time when read: the frame's timestamp
    wall: datetime


class LatestFrame:
    """The newest picture of one camera. Each new picture replaces the unread one, so a slow
    consumer never builds a backlog and always gets the present."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self._loop = loop
        self._lock = threading.Lock()
        self._session = 0
        self._seq = 0
        self._changed = asyncio.Event()
        self.current: Snapshot | None = None

    def new_session(self) -> int:
        """Start a connection; pictures from earlier (abandoned) connections are refused from now on."""
        with self._lock:
            self._session += 1
            return self._session

    def put(self, session: int, image: np.ndarray) -> None:
        """Called from a reader thread."""
        with self._lock:
            if session != self._session:
                return
            self._seq += 1
            self.current = Snapshot(image, self._seq, time.monotonic(), datetime.now(UTC))
        try:
            self._loop.call_soon_threadsafe(self._wake)
        except RuntimeError:  # the loop is closed: the worker is gone
            pass

    def _wake(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def next(self, after_seq: int) -> Snapshot:
        """The newest picture once there is one newer than ``after_seq``."""
        while (snap := self.current) is None or snap.seq <= after_seq:
            await self._changed.wait()
        return snap


@dataclass(frozen=True)
class Opened:
    width: int
    height: int


#: the CameraError codes a connection can end with
FailureCode = Literal["open_failed", "read_failed", "stalled"]


@dataclass(frozen=True)
class Failed:
    code: FailureCode
    phrase: Phrase

    @property
    def message(self) -> str:
        return self.phrase.english()


@dataclass(frozen=True)
class Ended:
    """A file played to its end (and is not looping)."""


ReaderEvent = Opened | Failed | Ended


class FrameReader(threading.Thread):
    """Opens a source and feeds its pictures to a ``LatestFrame`` until stopped or broken.

    Stopping never waits for the thread: a read blocked on a silent network source is abandoned
    and the thread ends when that read times out. ``last_new_at`` and ``repeats`` let the
    supervisor tell a stream that stopped from one that keeps repeating a frozen picture.
    """

    def __init__(self, source: Source, latest: LatestFrame, *, loop_file: bool,
                 previous: np.ndarray | None, open_timeout: float, read_timeout: float,
                 notify: Callable[[ReaderEvent], None], name: str):
        super().__init__(name=name, daemon=True)
        self.source = source
        self.loop_file = loop_file
        self._latest = latest
        self._session = latest.new_session()
        self._open_timeout, self._read_timeout = open_timeout, read_timeout
        self._notify = notify
        self._stop_event = threading.Event()
        #: the last picture delivered; a live source that comes back frozen on it stays stalled
        self.last_image = previous
        #: time.monotonic() of the last new picture of this connection
        self.last_new_at: float | None = None
        #: identical pictures in a row from a live source
        self.repeats = 0

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        try:
            cap = self.source.open(open_timeout=self._open_timeout, read_timeout=self._read_timeout)
        except SourceError as exc:
            self._emit(Failed("open_failed", exc.phrase or say("source_open_error",
                                                               source=self.source.display,
                                                               error=str(exc))))
            return
        except cv2.error as exc:
            self._emit(Failed("open_failed", say("source_open_error", source=self.source.display,
                                                 error=str(exc))))
            return
        try:
            self._emit(Opened(int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
                              int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))))
            if self.source.live:
                self._read_live(cap)
            else:
                self._play_file(cap)
        except cv2.error as exc:
            self._emit(Failed("read_failed", say("source_read_error", source=self.source.display,
                                                 error=str(exc))))
        finally:
            cap.release()

    def _read_live(self, cap: cv2.VideoCapture) -> None:
        while not self._stop_event.is_set():
            ok, image = cap.read()
            if not ok or image is None:
                self._emit(Failed("read_failed", say("source_stream_lost",
                                                     source=self.source.display)))
                return
            if self.last_image is not None and np.array_equal(image, self.last_image):
                self.repeats += 1  # a frozen encoder repeats its last picture bit for bit
                continue
            self._deliver(image)

    def _play_file(self, cap: cv2.VideoCapture) -> None:
        period = 1.0 / native_fps(cap)
        due = time.monotonic()
        while not self._stop_event.is_set():
            ok, image = cap.read()
            if not ok and self.loop_file:
                cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, image = cap.read()
                if not ok:
                    self._emit(Failed("read_failed", say("source_no_restart",
                                                         source=self.source.display)))
                    return
            if not ok:
                self._emit(Ended())
                return
            if self._stop_event.wait(max(0.0, due - time.monotonic())):
                return
            # After a pause (a suspended machine) carry on from now rather than rush to catch up.
            due = max(due + period, time.monotonic() - period)
            self._deliver(image)

    def _deliver(self, image: np.ndarray) -> None:
        if self._stop_event.is_set():
            return
        self.repeats = 0
        self.last_image = image
        self.last_new_at = time.monotonic()
        self._latest.put(self._session, image)

    def _emit(self, event: ReaderEvent) -> None:
        if not self._stop_event.is_set():
            self._notify(event)
