"""One camera: keeps a connection to its source, reports its health, publishes sampled frames.

Each camera runs two tasks. The supervisor holds one connection (a reader thread) at a time,
watches it for failures and stalls, and reconnects with backoff. The pump takes the newest
picture at the analysis rate, encodes it in an executor and publishes it; it is a task of its
own so that a slow broker delays frames, never the noticing of a stalled source.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import Executor
from typing import Any

import numpy as np

from workers.camera.masks import MaskBook
from workers.camera.publisher import CameraPublisher, encode_jpeg
from workers.camera.reader import Ended, Failed, FrameReader, LatestFrame, Opened, ReaderEvent, Snapshot
from workers.camera.sources import Source
from workers.camera.timing import Backoff, FpsMeter, RateSampler, Timing
from workers.contracts import CameraConfig, CameraStatus, Frame
from workers.contracts.camera import CameraState
from workers.contracts.phrases import Phrase, say
from workers.tasks import cancel_and_wait

log = logging.getLogger(__name__)

#: a network read blocked this much longer than the stall limit gives up on its own
_READ_TIMEOUT_MARGIN = 2.0

class CameraFeed:
    """One camera the camera worker opened: read, sampled and published. Create on the event
    loop; ``start()``, ``stop()`` and ``update()`` apply at once."""

    def __init__(self, config: CameraConfig, publisher: CameraPublisher, executor: Executor,
                 timing: Timing, masks: MaskBook, refusal: Phrase | None = None):
        """``masks``: filled in every frame before it is published. ``refusal``: why this
        camera may not run here (the site's strict privacy, ``CameraWorker``); it stays offline
        saying so."""
        self.config = config
        self.masks, self.refusal = masks, refusal
        self.source = Source.parse(config.source)
        self.state: CameraState = "offline"
        #: why the camera is not online (None when it is)
        self.phrase: Phrase | None = say("camera_not_started")
        self.frames_published = 0
        self.reconnects = 0
        self._publisher, self._executor, self._timing = publisher, executor, timing
        self._latest = LatestFrame(asyncio.get_running_loop())
        self._fps = FpsMeter()
        self._sampler = RateSampler()
        self._task: asyncio.Task[None] | None = None
        self._reader: FrameReader | None = None
        self._last_image: np.ndarray | None = None
        self._online_since: float | None = None
        # Frame ids stay unique when a camera is removed and added again, or the worker restarts.
        self._run = format(time.time_ns() // 1_000_000, "x")

    @property
    def camera_id(self) -> str:
        return self.config.camera_id

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    # -- control ------------------------------------------------------------------------------
    def start(self) -> None:
        if self.running or self.refusal:
            return
        self._sampler = RateSampler()
        self._task = asyncio.get_running_loop().create_task(
            self._supervise(), name=f"camera-{self.camera_id}")

    @property
    def detail(self) -> str:
        """Why the camera is not online, in English (the log's words)."""
        return self.phrase.english() if self.phrase else ""

    async def stop(self, why: Phrase) -> None:
        await self._halt()
        await self._set_state("offline", why)

    def set_fps(self, fps: float) -> None:
        self.config = self.config.model_copy(update={"analysis_fps": fps})

    async def update(self, config: CameraConfig) -> None:
        """Apply a new configuration: rate and quality at once, a new source by reconnecting."""
        before, self.config = self.config, config
        if not config.enabled:
            await self.stop(say("camera_disabled"))
            return
        resume = not before.enabled
        if (config.source, config.loop) != (before.source, before.loop):
            self.source = Source.parse(config.source)
            self._last_image = None
            resume = resume or self.running
            await self._halt()
        if resume:
            self.start()

    async def released(self, timeout: float) -> None:
        """Wait (off the loop) for the reader thread to close its source."""
        if self._reader is not None:
            await asyncio.to_thread(self._reader.join, timeout)

    async def _halt(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    # -- health -------------------------------------------------------------------------------
    def status(self) -> CameraStatus:
        snap = self._latest.current
        status = CameraStatus(camera_id=self.camera_id, state=self.state,
                              fps=round(self._fps.rate(time.monotonic()), 2),
                              last_frame_at=snap.wall if snap else None, detail=self.detail,
                              detail_phrase=self.phrase,
                              worker_id=self._publisher.worker_id)
        status.metadata.source = self._publisher.worker_id
        return status

    def stats(self) -> dict[str, Any]:
        # name, group and rate too: a camera started with --camera is known to consoles only so
        return {"state": self.state, "detail": self.detail, "source": self.source.display,
                "name": self.config.name, "group": self.config.group,
                "analysis_fps": self.config.analysis_fps, "enabled": self.config.enabled,
                "fps": round(self._fps.rate(time.monotonic()), 2),
                "frames": self.frames_published, "reconnects": self.reconnects}

    async def _set_state(self, state: CameraState, why: Phrase | None,
                         level: int = logging.INFO) -> None:
        """``why``: None when online."""
        detail = why.english() if why else ""
        # logged even when unchanged: every retry at the longest delay reads the same
        log.log(level, "camera %s %s%s", self.camera_id, state, f": {detail}" if detail else "")
        if (state, why) == (self.state, self.phrase):
            return
        changed = state != self.state
        if changed:
            self._online_since = time.monotonic() if state == "online" else None
        self.state, self.phrase = state, why
        if changed:
            await self._publisher.state_changed(self.status())
        else:
            await self._publisher.status(self.status())

    # -- supervisor ---------------------------------------------------------------------------
    async def _supervise(self) -> None:
        pump = asyncio.get_running_loop().create_task(self._pump(), name=f"pump-{self.camera_id}")
        backoff = Backoff(self._timing.backoff_base, self._timing.backoff_cap)
        try:
            await self._set_state("reconnecting", say("camera_connecting",
                                                      source=self.source.display))
            # opened once its masks are known: no frame out as taken, and no frame of a file
            # played meanwhile lost
            await self.masks.settled(self.camera_id)
            while True:
                try:
                    failure = await self._connect_once()
                except Exception as exc:  # a bug here must not silence the camera for good
                    log.exception("camera %s: supervisor failed", self.camera_id)
                    failure = Failed("read_failed", say("camera_worker_error", error=str(exc)))
                if failure is None:
                    await self._set_state("offline", say("camera_end_of_file"))
                    return
                if (self._online_since is not None
                        and time.monotonic() - self._online_since >= self._timing.healthy_after):
                    backoff.reset()
                delay = backoff.next()
                self.reconnects += 1
                await self._publisher.error(self.camera_id, failure.code, failure.message,
                                            self.source.display)
                # Still retrying, but after the longest delay it is down rather than blinking.
                state: CameraState = "offline" if delay >= self._timing.backoff_cap else "reconnecting"
                # one line per retry: the state change says what failed and when it tries again
                await self._set_state(state, say("camera_retrying", why=failure.phrase,
                                                 seconds=delay), logging.WARNING)
                await asyncio.sleep(delay)
        finally:
            await cancel_and_wait(pump)

    async def _connect_once(self) -> Failed | None:
        """Run one connection until it fails (returns why) or its file ends (returns None)."""
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[ReaderEvent] = asyncio.Queue()

        def notify(event: ReaderEvent) -> None:  # from the reader thread
            try:
                loop.call_soon_threadsafe(events.put_nowait, event)
            except RuntimeError:  # the loop is closed: the worker is gone
                pass

        reader = FrameReader(
            self.source, self._latest, loop_file=self.config.loop,
            previous=self._last_image if self.source.live else None,
            open_timeout=self._timing.open_timeout,
            read_timeout=self._timing.stall_after + _READ_TIMEOUT_MARGIN,
            notify=notify, name=f"camera-{self.camera_id}")
        self._reader = reader
        reader.start()
        try:
            return await self._watch(reader, events)
        finally:
            reader.stop()
            self._last_image = reader.last_image

    async def _watch(self, reader: FrameReader, events: asyncio.Queue[ReaderEvent]) -> Failed | None:
        timing, display = self._timing, self.source.display
        opened_at: float | None = None
        # Backends that ignore the open timeout (some webcam drivers) still get a limit.
        give_up_at = time.monotonic() + timing.open_timeout + timing.stall_after
        while True:
            try:
                event = await asyncio.wait_for(events.get(), timing.check_every)
            except TimeoutError:
                event = None
            if isinstance(event, Failed):
                return event
            if isinstance(event, Ended):
                return None
            now = time.monotonic()
            if isinstance(event, Opened):
                opened_at = now
            if opened_at is None:
                if now > give_up_at:
                    return Failed("open_failed", say(
                        "camera_open_timeout", source=display,
                        seconds=timing.open_timeout + timing.stall_after))
                continue
            last_new = reader.last_new_at
            if last_new is not None and self.state != "online":
                await self._set_state("online", None)
            # A stream that connects but shows nothing new (silent, or repeating one picture) is
            # as useless as a dead one.
            if now - (last_new or opened_at) > timing.stall_after:
                if reader.repeats:
                    return Failed("stalled", say("camera_frozen", source=display))
                return Failed("stalled", say("camera_no_picture", source=display,
                                             seconds=timing.stall_after))

    # -- frames -------------------------------------------------------------------------------
    async def _pump(self) -> None:
        loop = asyncio.get_running_loop()
        seq = self._latest.current.seq if self._latest.current else 0  # not a picture from before
        while True:
            snap = await self._latest.next(seq)
            seq = snap.seq
            config = self.config
            if not self._sampler.take(snap.at, config.analysis_fps):
                continue
            try:
                jpeg = await loop.run_in_executor(self._executor, self._encode, snap.image,
                                                  config.jpeg_quality)
                published = await self._publisher.frame(self._frame(snap, jpeg, config))
            except Exception:  # one lost frame; the next may pass
                log.exception("camera %s: frame not published", self.camera_id)
                continue
            if published:
                self.frames_published += 1
                self._fps.tick(time.monotonic())

    def _encode(self, image: np.ndarray, quality: int) -> bytes:
        """The picture with its privacy masks filled, as JPEG. Blocking: run in an executor."""
        return encode_jpeg(self.masks.hide(self.camera_id, image), quality)

    def _frame(self, snap: Snapshot, jpeg: bytes, config: CameraConfig) -> Frame:
        height, width = snap.image.shape[:2]
        fps = self._fps.rate(time.monotonic()) or config.analysis_fps
        frame = Frame(camera_id=self.camera_id, frame_id=f"{self.camera_id}-{self._run}-{snap.seq}",
                      width=width, height=height, fps=round(fps, 2), quality=config.jpeg_quality,
                      jpeg=jpeg, timestamp=snap.wall)
        frame.metadata.source = self._publisher.worker_id
        return frame
