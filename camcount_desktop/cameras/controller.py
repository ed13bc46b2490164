"""Every camera the console knows of: configured ones (local mode, or a ``configure`` seen on the
bus) and any that report status, until a ``remove`` takes one away."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from PySide6.QtCore import QObject, Signal

from camcount_desktop import i18n
from workers.contracts import CameraConfig, CameraControl, CameraStatus, SystemEvent


@dataclass
class CameraInfo:
    camera_id: str
    name: str
    group: str = ""
    #: online / reconnecting / offline as the camera worker says, "unknown" before it does
    state: str = "unknown"
    fps: float = 0.0
    detail: str = ""
    #: False when its configuration disables it
    enabled: bool = True


class CamerasController(QObject):
    discovered = Signal(str)
    changed = Signal(str)
    removed = Signal(str)
    #: a camera's name is known or changed: lists that show names redraw
    renamed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.cameras: dict[str, CameraInfo] = {}
        #: removed cameras: their worker's last "offline: removed" must not bring them back
        self._removed: set[str] = set()
        #: what camera workers say of the cameras they run (name, group, source as shown,
        #: analysis_fps, enabled), from their heartbeats: all a console knows of a camera
        #: started with ``--camera`` rather than saved from a console
        self.announced: dict[str, CameraConfig] = {}
        self._configured: set[str] = set()

    def add_configured(self, config: CameraConfig) -> None:
        self._configured.add(config.camera_id)
        self._removed.discard(config.camera_id)
        info = self._get(config.camera_id)
        name = config.name or config.camera_id
        renamed = info.name != name
        info.name, info.group = name, config.group
        info.enabled = config.enabled
        self.changed.emit(config.camera_id)
        if renamed:
            self.renamed.emit(config.camera_id)

    def on_control(self, control: CameraControl) -> None:
        if control.action == "configure" and control.config is not None:
            self.add_configured(control.config)
        elif control.action == "remove":
            self.remove(control.camera_id)

    def remove(self, camera_id: str) -> None:
        self._removed.add(camera_id)
        self.announced.pop(camera_id, None)
        if self.cameras.pop(camera_id, None) is not None:
            self.removed.emit(camera_id)

    def on_status(self, status: CameraStatus) -> None:
        # status and control arrive on separate queues, so the goodbye may come after the remove;
        # a worker that still (or again) serves the camera brings it back
        if status.camera_id in self._removed and status.state == "offline":
            return
        self._removed.discard(status.camera_id)
        info = self._get(status.camera_id)
        info.state, info.fps = status.state, status.fps
        info.detail = i18n.say(status.detail_phrase, status.detail)
        self.changed.emit(status.camera_id)

    def on_health(self, event: SystemEvent) -> None:
        """A camera worker's heartbeat: what it says of its cameras names those nobody saved."""
        cameras = event.data.get("cameras") if event.data.get("role") == "camera" else None
        if not isinstance(cameras, dict):
            return
        for camera_id, stats in cameras.items():
            try:
                config = CameraConfig(camera_id=camera_id, name=stats.get("name") or camera_id,
                                      source=stats.get("source") or "?",
                                      group=stats.get("group") or "",
                                      analysis_fps=stats.get("analysis_fps") or 5.0,
                                      enabled=stats.get("enabled", True))
            except (ValidationError, AttributeError):
                continue  # a worker of an older version, or a stranger: nothing to show
            if self.announced.get(camera_id) == config or camera_id in self._removed:
                continue
            self.announced[camera_id] = config
            if camera_id not in self._configured:
                info = self._get(camera_id)
                renamed = info.name != config.name
                info.name, info.group = config.name, config.group
                self.changed.emit(camera_id)
                if renamed:
                    self.renamed.emit(camera_id)

    def name_of(self, camera_id: str) -> str:
        """The camera's name as configured; its id while the name is not known here."""
        info = self.cameras.get(camera_id)
        return info.name if info is not None else camera_id

    def _get(self, camera_id: str) -> CameraInfo:
        if camera_id not in self.cameras:
            self.cameras[camera_id] = CameraInfo(camera_id, camera_id)
            self.discovered.emit(camera_id)
        return self.cameras[camera_id]
