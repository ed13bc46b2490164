"""The detector worker: frames in per camera, in order; detection results with counts out.

Each camera's frames arrive on their own queue with a single active consumer, so one worker's
tracker sees one camera's frames in order and another worker takes over when it dies. Every
worker follows every camera it hears of (``camera.status.*``); the broker picks one active
consumer per camera, and a worker holding more than its share of cameras hands some back
(``peers``). Decoding and inference run in executor threads, never on the event loop
(``frames``). Each camera's own model, classes and zones are ``camera_settings``; those an admin
saved while no detector ran come from analytics (``stored``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import numpy as np

from workers.analytics.client import AnalyticsClient, RequestFailed
from workers.bus import Bus, Delivery, Subscription
from workers.bus.outbox import FactOutbox, journal_path
from workers.contracts import (
    CameraControl,
    CameraError,
    CameraStatus,
    Frame,
    SystemEvent,
    ZoneSet,
)
from workers.detector.base import Detector, DetectorConfig
from workers.detector.camera_settings import CameraSettings
from workers.detector.factory import create_detector
from workers.detector.followed import FollowedCamera
from workers.detector.frames import FrameHandler, warm_up
from workers.detector.models import ModelCache
from workers.detector.peers import BALANCE_EVERY_S, Peers
from workers.detector.pictures import PicturePublisher
from workers.detector.stored import StoredSettings
from workers.privacy import PrivacySettings, from_env
from workers.tasks import cancel_and_wait

log = logging.getLogger(__name__)

#: inference lanes at most (``DetectorConfig.lanes``)
MAX_LANES = 4
#: the pause before asking analytics again for a camera's stored zones and settings when no
#: analytics worker answered
STORED_RETRY_S = 5.0


class DetectorWorker:
    role = "detector"

    def __init__(self, config: DetectorConfig | None = None, *, cameras: list[str] | None = None,
                 zones: list[ZoneSet] | None = None, worker_id: str = "detector",
                 detector: Detector | None = None, prefetch: int = 16,
                 privacy: PrivacySettings | None = None, fused: bool = False):
        """``privacy``: the site's setting (default ``$CAMCOUNT_PRIVACY``, else off).
        ``fused``: run inside a camera worker (``camcount-worker camera --detect``), which hands
        every frame to ``take``: the cameras followed are that worker's, no frame queue on the
        broker is consumed, and the wall's pictures are this worker's whatever the privacy."""
        self.config = config or DetectorConfig()
        self.privacy = privacy or from_env()
        self.worker_id = worker_id
        self.detector = detector
        self.prefetch = prefetch
        self.fused = fused
        self._taking: set[asyncio.Task[None]] = set()
        self._initial = list(cameras or [])
        self._cameras: dict[str, FollowedCamera] = {}
        self._peers = Peers(self.role, worker_id)
        self._subs: list[Subscription] = []
        self._bus: Bus | None = None
        self._facts: FactOutbox | None = None
        self._frames: FrameHandler | None = None
        self._pictures: PicturePublisher | None = None
        self._stored: StoredSettings | None = None
        self._balancer: asyncio.Task[None] | None = None
        self._follow_lock = asyncio.Lock()
        self._zone_fetches: set[asyncio.Task[None]] = set()
        self._config_tasks: set[asyncio.Task[None]] = set()
        # The scheduler runs at most ``lanes`` frames (or batches) at a time in these threads;
        # the others load a camera's own model without stopping every camera meanwhile.
        self._infer = ThreadPoolExecutor(MAX_LANES + 1, thread_name_prefix="camcount-infer")
        self._decode = ThreadPoolExecutor(2, thread_name_prefix="camcount-decode")
        self._settings = CameraSettings(
            self.config, self._cameras, {z.camera_id: z for z in zones or []},
            ModelCache(self.config, self._infer), lambda: self.detector, self._publish_error)

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self, bus: Bus) -> None:
        self._bus = bus
        self._stored = StoredSettings(AnalyticsClient(bus))
        self._facts = FactOutbox(bus, journal_path(bus, self.worker_id), name=self.worker_id)
        await self._facts.start()
        self._pictures = PicturePublisher(bus, self._facts, self.privacy, self.worker_id,
                                          self._decode, wall=self.fused)
        self._frames = FrameHandler(bus, self.worker_id, self.config, self._settings,
                                    self._facts, lambda: self.detector, self._publish_error,
                                    self._peers.taking_over, infer=self._infer,
                                    decode=self._decode, pictures=self._pictures,
                                    batch=max(1, self.config.batch))
        if self.detector is None:  # loading weights or exporting a model takes seconds
            self.detector = await asyncio.get_running_loop().run_in_executor(
                self._infer, create_detector, self.config)
        self._frames.scheduler.lanes = min(MAX_LANES, self.config.lanes or self.detector.lanes)
        log.info("detector %s using %s", self.worker_id, self.detector.model_version)
        await asyncio.get_running_loop().run_in_executor(self._infer, warm_up, self.detector,
                                                         self.config)
        t = bus.topology
        # fused: its camera worker's cameras only, shared with no one (no peers, no balancing)
        if not self.fused:
            self._subs.append(await bus.subscribe(t.camera_events, ["camera.status.*"],
                                                  self._on_status, model=CameraStatus))
        self._subs.append(await bus.subscribe(t.camera_events, ["camera.control.*"],
                                              self._on_control, model=CameraControl))
        if not self.fused:
            self._subs.append(await bus.subscribe(t.system_events, [], self._on_system,
                                                  model=SystemEvent))
        for camera_id in self._initial:
            await self.follow(camera_id)
        if not self.fused:
            self._balancer = asyncio.get_running_loop().create_task(self._balance_loop())

    async def stop(self) -> None:
        # Cameras first, so the standbys take them over at once: stopping the other tasks may
        # take a few re-cancels (a library that swallows one), which must not delay a failover.
        await cancel_and_wait(self._balancer)  # it would follow a camera again
        if self._frames is not None:
            self._frames.scheduler.close()  # frames waiting go back to the broker
        for cam in list(self._cameras.values()):
            if cam.sub is not None:
                await cam.sub.cancel()  # frames being analysed finish; prefetched ones go back
        await asyncio.gather(*self._taking, return_exceptions=True)  # given back or analysed
        await cancel_and_wait(*self._zone_fetches, *self._config_tasks)
        if self._stored is not None:
            await self._stored.close()
        for sub in self._subs:
            await sub.cancel()
        if self._frames is not None:
            await self._frames.close()  # before the executor that draws them goes
        self._infer.shutdown(wait=True, cancel_futures=True)
        for cam in list(self._cameras.values()):
            await self._flush_heatmap(cam)
        self._decode.shutdown(wait=True, cancel_futures=True)
        if self._facts is not None:
            await self._facts.close()

    async def _flush_heatmap(self, cam: FollowedCamera) -> None:
        """What a camera's heatmap gathered since its last fact: stored, not lost, when the
        camera goes to another worker or this one stops."""
        fact = cam.heat.flush() if cam.heat is not None else None
        if fact is not None and self._pictures is not None:
            await self._pictures.heatmaps([fact], None, [], None)

    def stats(self) -> dict[str, Any]:
        now = time.monotonic()
        det = self.detector
        pipes = [c.pipeline for c in self._cameras.values() if c.pipeline is not None]
        return {
            "model_version": det.model_version if det else "",
            "fallback": bool(det and det.is_fallback),
            "fallback_reason": det.fallback_reason if det else "",
            "fallback_phrase": det.fallback_phrase.model_dump()
            if det and det.fallback_phrase else None,
            "cameras_followed": sorted(self._cameras),
            "cameras_active": sorted(c.camera_id for c in self._cameras.values() if c.active(now)),
            "fps": {c.camera_id: round(c.fps, 2) for c in self._cameras.values() if c.active(now)},
            "inference_ms": round(float(np.mean([p.stats.mean_inference_ms for p in pipes])), 1)
            if pipes else None,
            "frames": sum(c.frames for c in self._cameras.values()),
            "motion_skipped": sum(p.stats.skipped for p in pipes),
            "stale_dropped": sum(c.stale_dropped for c in self._cameras.values()),
            "frames_skipped": sum(c.frames_skipped for c in self._cameras.values()),
            "replayed_dropped": sum(c.replayed_dropped for c in self._cameras.values()),
            "camera_models": self._settings.models.loaded,
            "live_dropped": self._frames.live_dropped if self._frames else 0,
            "snapshots_published": self._frames.snapshots_published if self._frames else 0,
            "snapshots_dropped": self._frames.snapshots_dropped if self._frames else 0,
            "privacy": self.privacy.mode,
            "pictures_dropped": self._pictures.dropped if self._pictures else 0,
            **(self._facts.stats() if self._facts else {}),
        }

    # -- another model, without a restart (local mode's Detection page) ------------------------
    async def use_model(self, model: str) -> Detector:
        """Detect with the YOLO ``model`` (weights or an export) from each camera's next frame,
        keeping tracks and totals; cameras with their own model keep it, those with only their own
        input size get this model at that size. Loaded in the inference thread between frames.
        Raises with the reason, keeping the detector in use, when it cannot be loaded."""
        loop = asyncio.get_running_loop()
        config = replace(self.config, kind="yolo", model=model)
        detector = await loop.run_in_executor(self._infer, create_detector, config)
        await loop.run_in_executor(self._infer, warm_up, detector, config)
        self.config.model = model  # the worker's own model, for cameras that name it
        self.detector = detector
        if self._frames is not None:
            self._frames.scheduler.lanes = min(MAX_LANES, self.config.lanes or detector.lanes)
        for cam in self._cameras.values():
            if cam.config is not None and cam.config.imgsz and not cam.config.model:
                # a camera with only its own input size: this model at that size (loaded soon)
                task = asyncio.get_running_loop().create_task(self._settings.configure(cam.config))
                self._config_tasks.add(task)
                task.add_done_callback(self._config_tasks.discard)
            elif cam.detector is None and cam.pipeline is not None:
                cam.pipeline.use(detector, cam.classes)
        log.info("detector %s now using %s", self.worker_id, detector.model_version)
        return detector

    # -- cameras ------------------------------------------------------------------------------
    async def follow(self, camera_id: str) -> None:
        """Consume this camera's frame queue (as the active consumer or a standby)."""
        assert self._bus is not None and self._frames is not None
        frames = self._frames
        async with self._follow_lock:
            if self.fused:
                if camera_id not in self._cameras:
                    self._cameras[camera_id] = FollowedCamera(camera_id)
                    self._fetch_later(camera_id)
                return
            cam = self._cameras.setdefault(camera_id, FollowedCamera(camera_id))
            if cam.sub is not None:
                return
            spec = self._bus.topology.frame_queue(camera_id)
            await self._bus.declare_queue(spec)

            async def on_frame(frame: Frame, d: Delivery) -> None:
                await frames.on_frame(cam, frame)

            # retry=None: a frame that cannot be handled is stale by the time a retry comes.
            # Each frame in hand waits in the scheduler (which keeps the camera's order) until
            # it is analysed or a newer one replaces it; ``prefetch`` frames per camera let the
            # scheduler see the newest while the detector is busy, so none wait in the broker.
            cam.sub = await self._bus.consume(spec, on_frame, model=Frame, retry=None,
                                              prefetch=self.prefetch, concurrency=self.prefetch)
            self._fetch_later(camera_id)

    def _fetch_later(self, camera_id: str) -> None:
        # zones and settings an admin saved while no detector ran: analytics keeps them
        task = asyncio.get_running_loop().create_task(self._fetch_stored(camera_id))
        self._zone_fetches.add(task)
        task.add_done_callback(self._zone_fetches.discard)

    async def take(self, frame: Frame) -> None:
        """A frame from the camera worker of this process (``fused``): analysed in turn, or
        skipped for a newer one of its camera, as a frame from the broker is; returns at once."""
        assert self.fused and self._frames is not None, "not a fused, started detector"
        if frame.camera_id not in self._cameras:
            await self.follow(frame.camera_id)
        task = asyncio.get_running_loop().create_task(
            self._frames.on_frame(self._cameras[frame.camera_id], frame))
        self._taking.add(task)
        task.add_done_callback(self._took)

    def _took(self, task: asyncio.Task[None]) -> None:
        self._taking.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("frame not analysed: %r", exc)

    async def _fetch_stored(self, camera_id: str) -> None:
        """Ask analytics, until it answers, for the camera's stored zones and settings: the
        stored zones replace any given with ``--zones``, so every detector counts with one set."""
        assert self._stored is not None
        waited = False
        while True:
            try:
                zones = await self._stored.zone_set(camera_id)
                stored = await self._stored.config(camera_id)
                break
            except RequestFailed as exc:
                if exc.why != "no_answer":
                    log.warning("camera %s: cannot fetch its zones and settings: %s",
                                camera_id, exc)
                    return
                if not waited:  # no analytics worker (or no broker) answered
                    log.warning("camera %s: its stored zones are not known (%s); asking again "
                                "every %g s", camera_id, exc, STORED_RETRY_S)
                waited = True
                await asyncio.sleep(STORED_RETRY_S)
        if zones is not None:
            await self._settings.apply_zones(zones, "stored")
        cam = self._cameras.get(camera_id)
        if stored is not None and cam is not None and cam.config is None:  # nothing newer came
            await self._settings.configure(stored)

    async def unfollow(self, camera_id: str) -> None:
        cam = self._cameras.pop(camera_id, None)
        if self._frames is not None:
            self._frames.scheduler.give_back(camera_id)
        if cam is not None and cam.sub is not None:
            await cam.sub.cancel()
        if cam is not None:
            await self._flush_heatmap(cam)
        self._settings.drop_unused_models()

    async def _on_status(self, status: CameraStatus, d: Delivery) -> None:
        if status.camera_id not in self._cameras:
            await self.follow(status.camera_id)

    async def _on_control(self, control: CameraControl, d: Delivery) -> None:
        # ``set_zones`` asks analytics to store a version; only what it stored is applied
        if control.action == "zones_stored" and control.zones is not None:
            await self._settings.apply_zones(control.zones, "announced")
        elif control.action == "remove":
            await self.unfollow(control.camera_id)
        elif control.action in ("start", "configure"):
            if self.fused and control.camera_id not in self._cameras:
                return  # another worker's camera (its own arrive with their first frame)
            if control.camera_id not in self._cameras:
                await self.follow(control.camera_id)
            if control.config is not None and control.config.camera_id == control.camera_id:
                # a task: loading a camera's model takes seconds, controls must not wait for it
                task = asyncio.get_running_loop().create_task(
                    self._settings.configure(control.config))
                self._config_tasks.add(task)
                task.add_done_callback(self._config_tasks.discard)

    async def _on_system(self, event: SystemEvent, d: Delivery) -> None:
        self._peers.heard(event)

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
        """Hand back cameras beyond our share (``peers``)."""
        assert self._bus is not None
        await self._peers.rebalance(self._bus, self._cameras, self.follow)
