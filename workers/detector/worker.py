"""The detector worker: frames in per camera, in order; detection results with counts out.

Each camera's frames arrive on their own queue with a single active consumer, so one worker's
tracker sees one camera's frames in order and another worker takes over when it dies. Every
worker follows every camera it hears of (``camera.status.*``); the broker picks one active
consumer per camera, and a worker holding more than its share of cameras hands some back.
Decoding and inference run in executor threads, never on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import cv2
import numpy as np

from workers.analytics.client import AnalyticsClient, RequestFailed
from workers.bus import Bus, Delivery, PublishError, Subscription
from workers.bus.outbox import FactOutbox, journal_path
from workers.contracts import (
    CameraConfig,
    CameraControl,
    CameraError,
    CameraStatus,
    CountEvents,
    DetectionBlock,
    DetectionResult,
    Frame,
    SystemEvent,
    ZoneSet,
)
from workers.detector.base import Detector, DetectorConfig
from workers.detector.factory import create_detector
from workers.detector.models import ModelCache, same_model
from workers.detector.pipeline import CameraPipeline
from workers.detector.stored import StoredSettings
from workers.tasks import cancel_and_wait

log = logging.getLogger(__name__)

#: a frame older than this when it reaches us is dropped: live counts want the present
MAX_FRAME_AGE_S = 5.0
#: a camera that sent us a frame this recently is one we are the active consumer for
ACTIVE_WINDOW_S = 3.0
#: peers not heard from for this long are gone
PEER_TIMEOUT_S = 15.0
BALANCE_EVERY_S = 5.0
#: frame ids remembered per camera, to drop one handled already (a redelivery after a lost
#: channel may replay a batch: a tracker fed the same walk twice would count it twice)
SEEN_FRAMES = 512


@dataclass
class _Camera:
    camera_id: str
    sub: Subscription | None = None
    pipeline: CameraPipeline | None = None
    zones: ZoneSet | None = None
    #: the camera's own configuration, once a ``configure`` told us
    config: CameraConfig | None = None
    #: the camera's own model, else None: the worker's
    detector: Detector | None = None
    #: the camera's classes, else None: the worker's
    classes: list[str] | None = None
    #: what its results report when it is not simply the detector's (a model that failed)
    model_version: str = ""
    last_frame: float = 0.0  # monotonic
    frames: int = 0
    stale_dropped: int = 0
    replayed_dropped: int = 0
    fps: float = 0.0
    recent: list[float] = field(default_factory=list)
    seen: deque[str] = field(default_factory=lambda: deque(maxlen=SEEN_FRAMES))

    def first_sight(self, frame_id: str) -> bool:
        if frame_id in self.seen:
            return False
        self.seen.append(frame_id)
        return True

    def active(self, now: float) -> bool:
        return now - self.last_frame < ACTIVE_WINDOW_S


class DetectorWorker:
    role = "detector"

    def __init__(self, config: DetectorConfig | None = None, *, cameras: list[str] | None = None,
                 zones: list[ZoneSet] | None = None, worker_id: str = "detector",
                 detector: Detector | None = None, prefetch: int = 4):
        self.config = config or DetectorConfig()
        self.worker_id = worker_id
        self.detector = detector
        self.prefetch = prefetch
        self._initial = list(cameras or [])
        self._zones = {z.camera_id: z for z in zones or []}
        self._cameras: dict[str, _Camera] = {}
        self._peers: dict[str, float] = {}
        self._subs: list[Subscription] = []
        self._bus: Bus | None = None
        self._facts: FactOutbox | None = None
        self._stored: StoredSettings | None = None
        self.live_dropped = 0
        self._balancer: asyncio.Task[None] | None = None
        self._follow_lock = asyncio.Lock()
        self._zone_fetches: set[asyncio.Task[None]] = set()
        self._config_tasks: set[asyncio.Task[None]] = set()
        # One inference at a time: the backends use every core for one image already.
        self._infer = ThreadPoolExecutor(1, thread_name_prefix="camcount-infer")
        self._models = ModelCache(self.config, self._infer)
        self._decode = ThreadPoolExecutor(2, thread_name_prefix="camcount-decode")

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self, bus: Bus) -> None:
        self._bus = bus
        self._stored = StoredSettings(AnalyticsClient(bus))
        self._facts = FactOutbox(bus, journal_path(bus, self.worker_id), name=self.worker_id)
        await self._facts.start()
        if self.detector is None:  # loading weights or exporting a model takes seconds
            self.detector = await asyncio.get_running_loop().run_in_executor(
                self._infer, create_detector, self.config)
        log.info("detector %s using %s", self.worker_id, self.detector.model_version)
        t = bus.topology
        self._subs.append(await bus.subscribe(t.camera_events, ["camera.status.*"],
                                              self._on_status, model=CameraStatus))
        self._subs.append(await bus.subscribe(t.camera_events, ["camera.control.*"],
                                              self._on_control, model=CameraControl))
        self._subs.append(await bus.subscribe(t.system_events, [], self._on_system,
                                              model=SystemEvent))
        for camera_id in self._initial:
            await self.follow(camera_id)
        self._balancer = asyncio.get_running_loop().create_task(self._balance_loop())

    async def stop(self) -> None:
        await cancel_and_wait(self._balancer, *self._zone_fetches, *self._config_tasks)
        if self._stored is not None:
            await self._stored.close()
        for cam in list(self._cameras.values()):
            if cam.sub is not None:
                await cam.sub.cancel()  # in-flight frames finish; prefetched ones go back
        for sub in self._subs:
            await sub.cancel()
        self._infer.shutdown(wait=True, cancel_futures=True)
        self._decode.shutdown(wait=True, cancel_futures=True)
        if self._facts is not None:
            await self._facts.close()

    def stats(self) -> dict[str, Any]:
        now = time.monotonic()
        det = self.detector
        pipes = [c.pipeline for c in self._cameras.values() if c.pipeline is not None]
        return {
            "model_version": det.model_version if det else "",
            "fallback": bool(det and det.is_fallback),
            "fallback_reason": det.fallback_reason if det else "",
            "cameras_followed": sorted(self._cameras),
            "cameras_active": sorted(c.camera_id for c in self._cameras.values() if c.active(now)),
            "fps": {c.camera_id: round(c.fps, 2) for c in self._cameras.values() if c.active(now)},
            "inference_ms": round(float(np.mean([p.stats.mean_inference_ms for p in pipes])), 1)
            if pipes else None,
            "frames": sum(c.frames for c in self._cameras.values()),
            "motion_skipped": sum(p.stats.skipped for p in pipes),
            "stale_dropped": sum(c.stale_dropped for c in self._cameras.values()),
            "replayed_dropped": sum(c.replayed_dropped for c in self._cameras.values()),
            "camera_models": self._models.loaded,
            "live_dropped": self.live_dropped,
            **(self._facts.stats() if self._facts else {}),
        }

    # -- cameras ------------------------------------------------------------------------------
    async def follow(self, camera_id: str) -> None:
        """Consume this camera's frame queue (as the active consumer or a standby)."""
        assert self._bus is not None
        async with self._follow_lock:
            cam = self._cameras.setdefault(camera_id, _Camera(camera_id))
            if cam.sub is not None:
                return
            spec = self._bus.topology.frame_queue(camera_id)
            await self._bus.declare_queue(spec)

            async def on_frame(frame: Frame, d: Delivery) -> None:
                await self._on_frame(cam, frame)

            # retry=None: a frame that cannot be handled is stale by the time a retry comes.
            cam.sub = await self._bus.consume(spec, on_frame, model=Frame, retry=None,
                                              prefetch=self.prefetch, concurrency=1)
            # zones and settings an admin saved while no detector ran: analytics keeps them
            task = asyncio.get_running_loop().create_task(self._fetch_stored(camera_id))
            self._zone_fetches.add(task)
            task.add_done_callback(self._zone_fetches.discard)

    async def _fetch_stored(self, camera_id: str) -> None:
        assert self._stored is not None
        try:
            zones = None if camera_id in self._zones else await self._stored.zone_set(camera_id)
            stored = await self._stored.config(camera_id)
        except RequestFailed as exc:
            log.log(logging.INFO if exc.why == "no_answer" else logging.WARNING,
                    "camera %s: zones and settings not fetched (%s); counting with what control "
                    "messages say from now on", camera_id, exc)
            return
        if zones is not None:
            self._apply_zones(zones, "stored")
        cam = self._cameras.get(camera_id)
        if stored is not None and cam is not None and cam.config is None:  # nothing newer came
            await self._configure(stored)

    async def unfollow(self, camera_id: str) -> None:
        cam = self._cameras.pop(camera_id, None)
        if cam is not None and cam.sub is not None:
            await cam.sub.cancel()
        self._models.keep_only(self._models_in_use())

    async def _on_status(self, status: CameraStatus, d: Delivery) -> None:
        if status.camera_id not in self._cameras:
            await self.follow(status.camera_id)

    async def _on_control(self, control: CameraControl, d: Delivery) -> None:
        if control.action == "set_zones" and control.zones is not None:
            self._apply_zones(control.zones, "sent")
        elif control.action == "remove":
            await self.unfollow(control.camera_id)
        elif control.action in ("start", "configure"):
            if control.camera_id not in self._cameras:
                await self.follow(control.camera_id)
            if control.config is not None and control.config.camera_id == control.camera_id:
                # a task: loading a camera's model takes seconds, controls must not wait for it
                task = asyncio.get_running_loop().create_task(self._configure(control.config))
                self._config_tasks.add(task)
                task.add_done_callback(self._config_tasks.discard)

    async def _configure(self, config: CameraConfig) -> None:
        """Detect with the camera's model and classes from its next frame. A model that cannot
        be loaded is reported and the camera keeps the worker's, saying so in its results."""
        cam = self._cameras.get(config.camera_id)
        if cam is None:
            return
        cam.config = config
        assert self.detector is not None
        detector, version = self.detector, ""
        if config.model and not same_model(config.model, self.config.model):
            try:
                detector = await self._models.get(config.model)
            except Exception as exc:
                log.warning("camera %s: model %s cannot be loaded: %s", config.camera_id,
                            config.model, exc)
                version = f"{self.detector.model_version} (camera model {config.model} not loaded)"
                await self._publish_error(
                    config.camera_id, "config",
                    f"model {config.model} cannot be loaded ({exc}); counting with the detector "
                    f"worker's {self.detector.model_version} instead")
            if self._cameras.get(config.camera_id) is not cam or cam.config is not config:
                return  # removed, or configured again, while the model loaded
        if unknown := detector.unknown_classes(config.classes):
            await self._publish_error(
                config.camera_id, "config",
                f"{detector.model_version} cannot detect {', '.join(unknown)}: "
                f"nothing of {'that class' if len(unknown) == 1 else 'those classes'} is counted")
        cam.detector = None if detector is self.detector else detector
        cam.classes, cam.model_version = list(config.classes), version
        if cam.pipeline is not None:
            cam.pipeline.use(detector, cam.classes)
        self._models.keep_only(self._models_in_use())
        log.info("camera %s: detecting %s with %s", config.camera_id,
                 ", ".join(config.classes) or "every class", version or detector.model_version)

    def _models_in_use(self) -> set[str]:
        return {c.config.model for c in self._cameras.values() if c.config and c.config.model}

    def _apply_zones(self, zones: ZoneSet, how: str) -> None:
        """Count with these zones from the next frame, unless newer ones are already in use."""
        known = self._zones.get(zones.camera_id)
        if known is not None and known.version > zones.version:
            return
        self._zones[zones.camera_id] = zones
        cam = self._cameras.get(zones.camera_id)
        if cam is not None and cam.pipeline is not None:
            cam.pipeline.set_zones(zones.scaled_to(cam.pipeline.zone_set.frame_width,
                                                   cam.pipeline.zone_set.frame_height))
        log.info("camera %s: %s zones version %d applied", zones.camera_id, how, zones.version)

    async def _on_system(self, event: SystemEvent, d: Delivery) -> None:
        if event.event_type == "health" and event.data.get("role") == self.role:
            if event.data.get("state") == "stopped":
                self._peers.pop(event.source, None)
            else:
                self._peers[event.source] = time.monotonic()

    # -- frames -------------------------------------------------------------------------------
    async def _on_frame(self, cam: _Camera, frame: Frame) -> None:
        assert self._bus is not None
        now = time.monotonic()
        cam.last_frame = now
        cam.recent = [t for t in cam.recent if now - t < 5.0] + [now]
        cam.fps = (len(cam.recent) - 1) / max(now - cam.recent[0], 1e-6) if len(cam.recent) > 1 else 0.0
        age = (datetime.now(UTC) - frame.timestamp).total_seconds()
        if age > MAX_FRAME_AGE_S:
            cam.stale_dropped += 1
            return
        if not cam.first_sight(frame.frame_id):
            cam.replayed_dropped += 1
            return
        loop = asyncio.get_running_loop()
        image = await loop.run_in_executor(self._decode, _decode, frame.jpeg)
        if image is None:
            await self._publish_error(frame.camera_id, "decode_failed",
                                      "frame is not a decodable JPEG")
            return
        assert self.detector is not None
        detector = cam.detector or self.detector
        if cam.pipeline is None:
            cam.pipeline = CameraPipeline(detector, self._zones_for(frame), self.config)
            cam.pipeline.use(detector, cam.classes)
        outcome = await loop.run_in_executor(self._infer, cam.pipeline.process, image,
                                             frame.timestamp)
        cam.frames += 1
        result = DetectionResult(
            camera_id=frame.camera_id, frame_id=frame.frame_id, frame_timestamp=frame.timestamp,
            frame_width=image.shape[1], frame_height=image.shape[0],
            detection_results=DetectionBlock(
                detections=outcome.detections, total_count=len(outcome.detections),
                processing_time=outcome.processing_time,
                model_version=cam.model_version or outcome.model_version,
                motion_skipped=outcome.motion_skipped),
            counting_data=outcome.counting)
        result.metadata.source = self.worker_id
        t = self._bus.topology
        if outcome.counting.events:
            # Facts first: confirmed by the broker, or kept on disk until it takes them.
            facts = CountEvents(camera_id=frame.camera_id, frame_id=frame.frame_id,
                                frame_timestamp=frame.timestamp,
                                zones_version=outcome.counting.zones_version,
                                events=outcome.counting.events)
            facts.metadata.source = self.worker_id
            assert self._facts is not None
            await self._facts.put(t.camera_events, t.counts_key(frame.camera_id), facts)
        try:
            # Live: for the wall and live rules. Nobody following it is not an error, and one
            # the broker cannot take now is stale by the time it could.
            await self._bus.publish(t.camera_events, t.detection_key(frame.camera_id), result,
                                    mandatory=False, persistent=False)
        except PublishError as exc:
            self.live_dropped += 1
            log.debug("camera %s: live result not published: %s", frame.camera_id, exc)

    def _zones_for(self, frame: Frame) -> ZoneSet:
        empty = ZoneSet(camera_id=frame.camera_id, frame_width=frame.width,
                        frame_height=frame.height, version=1)
        zs = self._zones.get(frame.camera_id)
        return zs.scaled_to(frame.width, frame.height) if zs is not None else empty

    async def _publish_error(self, camera_id: str, code: str, message: str) -> None:
        assert self._bus is not None
        err = CameraError(camera_id=camera_id, code=code, error=message)  # type: ignore[arg-type]
        err.metadata.source = self.worker_id
        await self._bus.publish(self._bus.topology.camera_events,
                                self._bus.topology.error_key(camera_id), err, mandatory=False)

    # -- sharing cameras between workers ------------------------------------------------------
    async def _balance_loop(self) -> None:
        while True:
            await asyncio.sleep(BALANCE_EVERY_S)
            try:
                await self.rebalance()
            except Exception:
                log.exception("rebalancing cameras failed")

    async def rebalance(self) -> None:
        """Hand back cameras beyond our share: re-subscribing puts us at the back of the
        camera's consumer line, so a peer's standby consumer becomes the active one."""
        now = time.monotonic()
        self._peers = {p: t for p, t in self._peers.items() if now - t < PEER_TIMEOUT_S}
        workers = len(self._peers | {self.worker_id: now})
        if workers < 2:
            return
        share = math.ceil(len(self._cameras) / workers)
        active = sorted(c.camera_id for c in self._cameras.values() if c.active(now))
        for camera_id in active[share:]:
            cam = self._cameras[camera_id]
            log.info("giving camera %s back (%d active, share %d of %d workers)",
                     camera_id, len(active), share, workers)
            if cam.sub is not None:
                await cam.sub.cancel()
                cam.sub = None
            cam.last_frame = 0.0
            cam.pipeline = None  # the next owner's tracker starts afresh; so would ours
            await self.follow(camera_id)


def _decode(jpeg: bytes) -> np.ndarray | None:
    return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
