"""Each followed camera's own settings: its model, input size and classes (from ``configure``) and its
zones (given with ``--zones`` until analytics says which version it stored; then only stored
versions, fetched or announced with ``zones_stored``), applied from its next frame."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from workers.contracts import CameraConfig, Frame, ZoneSet
from workers.detector.base import Detector, DetectorConfig
from workers.detector.followed import FollowedCamera
from workers.detector.hog import HogDetector
from workers.detector.models import ModelCache, same_model
from workers.detector.yolo import weights_source

log = logging.getLogger(__name__)

#: (camera id, error code, message): a problem with a camera's settings, for its admin
ReportError = Callable[[str, str, str], Awaitable[None]]


class CameraSettings:
    def __init__(self, config: DetectorConfig, cameras: dict[str, FollowedCamera],
                 zones: dict[str, ZoneSet], models: ModelCache,
                 worker_detector: Callable[[], Detector | None], report_error: ReportError):
        self.config = config
        self._cameras = cameras
        #: zones in use per camera: given with ``--zones`` until analytics says what it stored
        self.zones = zones
        #: cameras whose zones in use are a version analytics stored
        self._stored: set[str] = set()
        self.models = models
        self._worker_detector = worker_detector
        self._report_error = report_error

    async def configure(self, config: CameraConfig) -> None:
        """Detect with the camera's model, input size and classes from its next frame. A model
        that cannot be loaded is reported and the camera keeps the worker's detector, saying so
        in its results."""
        cam = self._cameras.get(config.camera_id)
        if cam is None:
            return
        cam.config = config
        worker_detector = self._worker_detector()
        assert worker_detector is not None
        detector, version = worker_detector, ""
        if own := self._own_model(config):
            model, imgsz = own
            named = model + (f" at input size {imgsz}" if imgsz else "")
            try:
                detector = await self.models.get(model, imgsz)
            except Exception as exc:
                log.warning("camera %s: model %s cannot be loaded: %s", config.camera_id, named,
                            exc)
                version = f"{worker_detector.model_version} (camera model {named} not loaded)"
                await self._report_error(
                    config.camera_id, "config",
                    f"model {named} cannot be loaded ({exc}); counting with the detector "
                    f"worker's {worker_detector.model_version} instead")
            if self._cameras.get(config.camera_id) is not cam or cam.config is not config:
                return  # removed, or configured again, while the model loaded
        if unknown := detector.unknown_classes(config.classes):
            await self._report_error(
                config.camera_id, "config",
                f"{detector.model_version} cannot detect {', '.join(unknown)}: "
                f"nothing of {'that class' if len(unknown) == 1 else 'those classes'} is counted")
        cam.detector = None if detector is worker_detector else detector
        cam.classes, cam.model_version = list(config.classes), version
        if cam.pipeline is not None:
            cam.pipeline.use(detector, cam.classes)
        self.drop_unused_models()
        log.info("camera %s: detecting %s with %s", config.camera_id,
                 ", ".join(config.classes) or "every class", version or detector.model_version)

    def _own_model(self, config: CameraConfig) -> tuple[str, int | None] | None:
        """The YOLO model and input size (None: the worker's) a camera detects with when not
        the worker's detector: its own model, or the worker's at its own size. None: the
        worker's detector. HOG has no input size: a size alone leaves a camera on it."""
        if config.model and not same_model(config.model, self.config.model):
            return config.model, config.imgsz
        if config.imgsz in (None, self.config.imgsz) or isinstance(self._worker_detector(),
                                                                    HogDetector):
            return None
        return weights_source(self.config), config.imgsz

    def drop_unused_models(self) -> None:
        self.models.keep_only({own for c in self._cameras.values()
                               if c.config and (own := self._own_model(c.config))})

    async def apply_zones(self, zones: ZoneSet, how: str) -> None:
        """Count with these stored zones from the next frame, unless newer ones are in use. A
        different set under the version in use is refused and reported: one version, one set."""
        cam_id = zones.camera_id
        known = self.zones.get(cam_id)
        if known is not None and cam_id in self._stored:
            if known.version > zones.version or known == zones:
                return
            if known.version == zones.version:
                reason = (f"zones version {zones.version} {how} with other shapes than the "
                          "version in use under that number; keeping the one in use (do two "
                          "analytics workers use different databases?)")
                log.error("camera %s: %s", cam_id, reason)
                await self._report_error(cam_id, "config", reason)
                return
        self.zones[cam_id] = zones
        self._stored.add(cam_id)
        cam = self._cameras.get(cam_id)
        if cam is not None and cam.pipeline is not None:
            cam.pipeline.set_zones(zones.scaled_to(cam.pipeline.zone_set.frame_width,
                                                   cam.pipeline.zone_set.frame_height))
        log.info("camera %s: %s zones version %d applied", cam_id, how, zones.version)

    def zones_for(self, frame: Frame) -> ZoneSet:
        empty = ZoneSet(camera_id=frame.camera_id, frame_width=frame.width,
                        frame_height=frame.height, version=1)
        zs = self.zones.get(frame.camera_id)
        return zs.scaled_to(frame.width, frame.height) if zs is not None else empty
