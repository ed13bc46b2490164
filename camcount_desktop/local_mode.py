"""Local mode: the workers run inside the console on the in-process bus, with the bundled sample
video as the first camera, so a newcomer sees counting without installing a broker.

Worker modules are imported here, lazily, when local mode starts: the console never loads torch
or ultralytics at import time, and a worker whose module is not installed (or not written yet)
shows as missing in the health bar instead of stopping the console.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication

from camcount_desktop.timezone import system_timezone
from workers.bus import Bus
from workers.contracts import CameraConfig, LineDef, ZoneDef, ZoneSet
from workers.contracts.alerting import AlertingConfig, CameraOfflineRule, ZoneOccupancyRule
from workers.service import Heartbeat, Worker
from workers.tasks import cancel_and_wait

if TYPE_CHECKING:
    from workers.detector.base import DetectorConfig

log = logging.getLogger(__name__)

SAMPLE_CAMERA_ID = "entrance"
SAMPLE_SIZE = (960, 540)
STOP_ORDER = ("camera", "detector", "analytics", "notifier")


def resources_dir() -> Path:
    """``resources/`` of the source tree, or of a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    base = Path(bundle) if bundle else Path(__file__).resolve().parents[1]
    return base / "resources"


def sample_camera() -> CameraConfig:
    return CameraConfig(camera_id=SAMPLE_CAMERA_ID, name="Entrance (sample video)", group="Sample",
                        source=str(resources_dir() / "samples" / "entrance.mp4"), loop=True,
                        analysis_fps=10.0)


def sample_zones() -> ZoneSet:
    """The sample's counting line (in = left to right) and the left half as a zone."""
    w, h = SAMPLE_SIZE
    return ZoneSet(
        camera_id=SAMPLE_CAMERA_ID, frame_width=w, frame_height=h,
        lines=[LineDef(id="entrance", name="Entrance", color="#00e0ff",
                       points=((w / 2, h), (w / 2, 0)))],
        zones=[ZoneDef(id="left", name="Left half", color="#ff7ad9",
                       points=[(0, 0), (w / 2, 0), (w / 2, h), (0, h)])])


def sample_alerting() -> AlertingConfig:
    """Rules a newcomer sees fire on the sample video (each walker spends ~2.4 s in the left
    half), and a camera that stops. The walker rule only informs, at most every 15 minutes: a
    sample that keeps raising alerts nobody needs to act on trains operators to ignore them."""
    return AlertingConfig(timezone=system_timezone(), rules=[
        ZoneOccupancyRule(id="sample-left-half", name="Sample: someone in the left half for 1.5 s",
                          severity="info", cameras=[SAMPLE_CAMERA_ID], zones=["left"], above=0,
                          for_seconds=1.5, cooldown_seconds=900.0),
        CameraOfflineRule(id="sample-offline", name="Camera offline", severity="critical",
                          for_seconds=10.0)])


def user_or_sample_alerting() -> AlertingConfig:
    from workers.alerting.config import ConfigError, load

    try:
        config = load()
    except ConfigError as exc:  # shown, not fatal: the console still counts
        log.error("local mode: ignoring the notifications config: %s", exc)
        return sample_alerting()
    return config if config.rules or config.targets else sample_alerting()


@dataclass(frozen=True)
class LocalData:
    """Where local mode keeps everything between starts: the database (cameras as recorded,
    zones, rules and targets, alerts, counts) and the camera worker's own camera list (with
    passwords, which the database never holds). ``$CAMCOUNT_DB_URL`` overrides the database."""

    folder: Path | None = None

    @property
    def _dir(self) -> Path:
        from workers.storage import data_dir

        return self.folder or data_dir()

    @property
    def db_url(self) -> str | None:
        from workers.storage.database import ENV_DB_URL

        if self.folder is None or os.environ.get(ENV_DB_URL):
            return None  # the default: $CAMCOUNT_DB_URL, else the user data folder
        return f"sqlite+aiosqlite:///{self.folder / 'camcount.db'}"

    @property
    def cameras_file(self) -> Path:
        return self._dir / "cameras.json"

    def cameras(self) -> list[CameraConfig]:
        """The cameras kept from the last run; the sample camera only when none were ever kept."""
        from workers.camera.store import load_cameras

        try:
            stored = load_cameras(self.cameras_file)
        except ValueError as exc:  # shown, not fatal: the console still starts
            log.error("local mode: %s; starting with the sample camera", exc)
            return [sample_camera()]
        return [sample_camera()] if stored is None else stored


@dataclass
class _Running:
    role: str
    worker: Worker
    heartbeat: Heartbeat | None = None


class LocalRuntime:
    """Starts, and stops in order, the workers local mode hosts."""

    def __init__(self, bus: Bus, cameras: list[CameraConfig], zones: list[ZoneSet], *,
                 on_missing: Callable[[str, str], None], on_starting: Callable[[str], None],
                 alerting: AlertingConfig | None = None, data: LocalData | None = None,
                 detector: DetectorConfig | None = None, detector_model: str | None = None):
        """``alerting``: rules and targets (default: the user's notifications.json, else the
        sample's rules, which notify no one but show in the alerts panel). ``data``: where
        everything is kept between starts (default: the user data folder). ``detector``: the
        detector's settings (default: YOLO from weights on disk, else HOG; never a download)."""
        self.bus, self.cameras, self.zones = bus, cameras, zones
        self.data = data or LocalData()
        self.alerting = alerting if alerting is not None else user_or_sample_alerting()
        self._on_missing, self._on_starting = on_missing, on_starting
        # imported here: a console on a broker hosts no detector and loads none of it
        from workers.detector.base import DetectorConfig

        self.detector_config = detector or DetectorConfig(download=False, model=detector_model)
        self._running: list[_Running] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start in the background: loading a detection model can take a while, the window
        must not wait for it."""
        self._task = asyncio.get_running_loop().create_task(self._start_all())

    async def _start_all(self) -> None:
        # the notifier and analytics first, so every alert is sent and every count recorded; the
        # detector before the camera, so it is listening when the first frames come
        for role, build in (("notifier", self._notifier), ("analytics", self._analytics),
                            ("detector", self._detector), ("camera", self._camera)):
            self._on_starting(role)
            try:
                worker = build()
            except ImportError as exc:
                log.warning("local mode: no %s worker (%s)", role, exc)
                self._on_missing(role, QCoreApplication.translate(
                    "LocalRuntime", "not available in this installation: {why}").format(why=exc))
                continue
            running = _Running(role, worker)
            self._running.append(running)  # stopped on shutdown even if cut short while starting
            try:
                await worker.start(self.bus)
            except Exception as exc:
                log.exception("local mode: the %s worker did not start", role)
                self._on_missing(role, QCoreApplication.translate(
                    "LocalRuntime", "failed to start: {why}").format(why=exc))
                continue
            running.heartbeat = Heartbeat(self.bus, worker, f"{role}-local")
            running.heartbeat.start()
            if role == "analytics":  # the sample camera and its lines, named from the start
                await worker.adopt(self.cameras, self.zones)

    def _analytics(self) -> Any:
        from workers.analytics.worker import AnalyticsWorker

        # SQLite in the user data folder ($CAMCOUNT_DB_URL overrides it), counts bucketed in
        # this computer's time zone: local mode is one site on one PC. The alert rules run here,
        # next to the data.
        return AnalyticsWorker(db_url=self.data.db_url, timezone=system_timezone(),
                               worker_id="analytics-local", alerting=self.alerting)

    def _notifier(self) -> Any:
        from workers.notifier.worker import NotifierWorker

        return NotifierWorker(self.alerting, db_url=self.data.db_url, worker_id="notifier-local")

    def _detector(self) -> Any:
        from workers.detector.worker import DetectorWorker

        return DetectorWorker(self.detector_config,
                              cameras=[c.camera_id for c in self.cameras],
                              zones=self.zones, worker_id="detector-local")

    def _camera(self) -> Any:
        from workers.camera.worker import CameraWorker

        # the only camera worker: it runs cameras of any group, and keeps them for the next start
        return CameraWorker(self.cameras, group=None, store=self.data.cameras_file)

    async def use_model(self, model: str) -> str:
        """Switch the hosted detector to ``model`` without a restart; what it now runs
        (``yolo11n.pt/openvino@416``). Raises with the reason when there is no detector running
        or the model cannot be loaded (the detector in use goes on)."""
        running = next((r for r in self._running if r.role == "detector" and r.heartbeat), None)
        if running is None:
            raise RuntimeError("the detector is not running")
        detector = await running.worker.use_model(model)  # and kept in detector_config
        await running.heartbeat.beat()  # the health bar says so now, not at the next beat
        return detector.model_version

    async def stop(self) -> None:
        """Cameras first (no new frames), then the detector finishes what it holds, then
        analytics stores what the detector sent."""
        await cancel_and_wait(self._task)
        for running in sorted(self._running, key=lambda r: STOP_ORDER.index(r.role)):
            try:
                await running.worker.stop()
                if running.heartbeat is not None:
                    await running.heartbeat.stop()
            except Exception:
                log.exception("local mode: stopping the %s worker failed", running.role)
        self._running.clear()
