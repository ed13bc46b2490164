"""The camera worker: several cameras in one process, controlled over the bus.

It follows ``camera.control.*``. Controls for cameras it does not hold are another worker's and
are ignored, except ``configure`` of a new camera in this worker's ``group``: that camera is
adopted. Run one worker per group when you run several (see docs/cameras.md).
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workers.bus import Bus, Delivery, Subscription
from workers.camera.camera import CameraFeed
from workers.camera.masks import MaskBook, masks_cache
from workers.camera.publisher import CameraPublisher
from workers.camera.store import save_cameras
from workers.camera.timing import Timing
from workers.contracts import CameraConfig, CameraControl
from workers.contracts.phrases import Phrase, say
from workers.privacy import PrivacySettings, from_env
from workers.service import Heartbeat
from workers.tasks import cancel_and_wait

if TYPE_CHECKING:
    from workers.detector.worker import DetectorWorker

log = logging.getLogger(__name__)

#: how long stopping waits for reader threads to close their sources
_RELEASE_TIMEOUT = 3.0


class CameraWorker:
    role = "camera"

    def __init__(self, cameras: list[CameraConfig] | None = None, *, group: str | None = "",
                 timing: Timing | None = None, store: Path | None = None,
                 privacy: PrivacySettings | None = None,
                 detector: DetectorWorker | None = None):
        """``group`` None: adopt cameras of every group (the only camera worker, local mode).
        ``store``: a file the worker keeps its cameras in whenever a control message changes
        them (``workers/camera/store.py``), so a restart starts from there. ``privacy``: the
        site's setting (default ``$CAMCOUNT_PRIVACY``); when on, frames go only to the
        detectors' queues, and when ``strict`` a worker on a broker with no ``detector`` of its
        own publishes none (docs/privacy.md). ``detector``: a detector worker run in this
        process (``--detect``): it analyses every frame here, and the broker carries only its
        pictures and results, never a frame as taken. Privacy masks are filled in every frame
        before it leaves (``masks``)."""
        cameras = list(cameras or [])
        ids = [c.camera_id for c in cameras]
        if dupes := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"camera ids must be unique; repeated: {', '.join(dupes)}")
        self.group = group
        self.privacy = privacy or from_env()
        self.store = store
        self.timing = timing or Timing()
        self._initial = cameras
        self.detector = detector
        #: why frames may not be published (strict privacy on a broker, no detector here)
        self.refusal: Phrase | None = None
        self._masks: MaskBook | None = None
        self._detector_beat: Heartbeat | None = None
        self._cameras: dict[str, CameraFeed] = {}
        self._publisher: CameraPublisher | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._control: Subscription | None = None
        self._status_task: asyncio.Task[None] | None = None

    async def start(self, bus: Bus) -> None:
        if self.privacy.mode == "strict" and self.detector is None and bus.leaves_process:
            self.refusal = say("camera_strict_refused")
            log.error("%s", self.refusal.english())
        if self.detector is not None:
            await self.detector.start(bus)
            # its own heartbeat: the console shows its model and speed as any detector's
            self._detector_beat = Heartbeat(bus, self.detector, self.detector.worker_id)
            self._detector_beat.start()
        self._masks = MaskBook(bus, masks_cache(bus))
        self._publisher = CameraPublisher(
            bus, to_detectors_only=self.privacy.on,
            detect=self.detector.take if self.detector is not None else None)
        await self._publisher.start()
        # JPEG encoding gets threads of its own, so cameras never wait behind other executor work.
        self._executor = ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 2),
                                            thread_name_prefix="camera-encode")
        for config in self._initial:
            await self._add(config)
        self._control = await bus.subscribe(bus.topology.camera_events,
                                            [bus.topology.control_key("*")], self._on_control,
                                            model=CameraControl)
        self._status_task = asyncio.get_running_loop().create_task(self._report_status())
        if not self._cameras:
            log.info("no cameras yet: waiting for configure messages (group %r)", self.group)

    async def stop(self) -> None:
        if self._control is not None:
            await self._control.cancel()
        await cancel_and_wait(self._status_task)
        cameras = list(self._cameras.values())
        await asyncio.gather(*(c.stop(say("camera_worker_stopped")) for c in cameras))
        await asyncio.gather(*(c.released(_RELEASE_TIMEOUT) for c in cameras))
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        if self._publisher is not None:
            await self._publisher.close()
        if self._masks is not None:
            await self._masks.close()
        if self.detector is not None:
            await self.detector.stop()  # after the cameras: it finishes the frames it holds
        if self._detector_beat is not None:
            await self._detector_beat.stop()

    def stats(self) -> dict[str, Any]:
        cameras = {cid: cam.stats() for cid, cam in self._cameras.items()}
        # the console tells an admin when a camera's group has no worker (None: every group)
        return {"group": self.group, "cameras": cameras,
                "frames_published": sum(c["frames"] for c in cameras.values()),
                "online": sum(c["state"] == "online" for c in cameras.values()),
                "privacy": self.privacy.mode,
                "refused": self.refusal.english() if self.refusal else None,
                "detector": self.detector.worker_id if self.detector is not None else None,
                "masks_unknown": self._masks.unknown() if self._masks else [],
                **(self._publisher.facts.stats() if self._publisher else {})}

    async def _add(self, config: CameraConfig) -> None:
        assert self._publisher is not None and self._executor is not None, "worker not started"
        assert self._masks is not None
        self._masks.ask(config.camera_id)
        await self._publisher.declare(config.camera_id)
        camera = CameraFeed(config, self._publisher, self._executor, self.timing, self._masks,
                            self.refusal)
        self._cameras[config.camera_id] = camera
        if self.refusal:
            await camera.stop(self.refusal)
            await self._publisher.error(config.camera_id, "config",
                                        f"camera {config.camera_id}: {self.refusal.english()}",
                                        camera.source.display)
        elif config.enabled:
            camera.start()
        else:
            await camera.stop(say("camera_disabled"))

    async def _report_status(self) -> None:
        assert self._publisher is not None
        while True:
            await asyncio.sleep(self.timing.status_every)
            for camera in list(self._cameras.values()):
                await self._publisher.status(camera.status())

    async def _on_control(self, control: CameraControl, _: Delivery) -> None:
        await self._control_one(control)
        if self.store is not None and control.action in ("configure", "start", "set_fps",
                                                         "remove"):
            try:
                await asyncio.to_thread(save_cameras, self.store,
                                        [c.config for c in self._cameras.values()])
            except OSError as exc:
                log.error("camera changes not kept for the next start: %s", exc)

    async def _control_one(self, control: CameraControl) -> None:
        camera = self._cameras.get(control.camera_id)
        if control.action == "zones_stored" and control.zones is not None:
            assert self._masks is not None
            self._masks.learn(control.zones)  # a new mask hides from the next frame on
            return
        if control.action == "configure":
            await self._configure(control, camera)
            return
        if camera is None or control.action in ("set_zones", "zones_stored"):  # not ours
            return
        log.info("camera %s: %s%s", control.camera_id, control.action,
                 f" by {control.requested_by}" if control.requested_by else "")
        match control.action:
            case "start":
                if not camera.config.enabled:
                    camera.config = camera.config.model_copy(update={"enabled": True})
                camera.start()
            case "stop":
                await camera.stop(say("camera_stopped_by_operator"))
            case "set_fps":
                assert control.fps is not None  # the contract requires it for set_fps
                camera.set_fps(control.fps)
            case "remove":
                del self._cameras[control.camera_id]
                await camera.stop(say("camera_removed"))

    async def _configure(self, control: CameraControl, camera: CameraFeed | None) -> None:
        config = control.config
        assert config is not None  # the contract requires it for configure
        if config.camera_id != control.camera_id:
            if camera is not None:
                assert self._publisher is not None
                await self._publisher.error(control.camera_id, "config",
                                            f"configure for camera {control.camera_id} carries the "
                                            f"configuration of {config.camera_id}; ignored",
                                            camera.source.display)
            return
        ours = self.group is None or config.group == self.group
        if camera is not None and not ours and config.group != camera.config.group:
            # Moved to another group: that group's worker adopts it, so this one lets go.
            del self._cameras[config.camera_id]
            await camera.stop(say("camera_moved_group", group=config.group))
        elif camera is not None:
            log.info("camera %s: new configuration", config.camera_id)
            await camera.update(config)
        elif ours:
            await self._add(config)
            log.info("camera %s: added (%s)", config.camera_id,
                     self._cameras[config.camera_id].source.display)
