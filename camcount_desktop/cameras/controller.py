"""Every camera the console knows of: configured ones (local mode, or a ``configure`` seen on the
bus) and any that report status, until a ``remove`` takes one away."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from workers.contracts import CameraConfig, CameraControl, CameraStatus


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

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.cameras: dict[str, CameraInfo] = {}
        #: removed cameras: their worker's last "offline: removed" must not bring them back
        self._removed: set[str] = set()

    def add_configured(self, config: CameraConfig) -> None:
        self._removed.discard(config.camera_id)
        info = self._get(config.camera_id)
        info.name, info.group = config.name or config.camera_id, config.group
        info.enabled = config.enabled
        self.changed.emit(config.camera_id)

    def on_control(self, control: CameraControl) -> None:
        if control.action == "configure" and control.config is not None:
            self.add_configured(control.config)
        elif control.action == "remove":
            self.remove(control.camera_id)

    def remove(self, camera_id: str) -> None:
        self._removed.add(camera_id)
        if self.cameras.pop(camera_id, None) is not None:
            self.removed.emit(camera_id)

    def on_status(self, status: CameraStatus) -> None:
        # status and control arrive on separate queues, so the goodbye may come after the remove;
        # a worker that still (or again) serves the camera brings it back
        if status.camera_id in self._removed and status.state == "offline":
            return
        self._removed.discard(status.camera_id)
        info = self._get(status.camera_id)
        info.state, info.fps, info.detail = status.state, status.fps, status.detail
        self.changed.emit(status.camera_id)

    def _get(self, camera_id: str) -> CameraInfo:
        if camera_id not in self.cameras:
            self.cameras[camera_id] = CameraInfo(camera_id, camera_id)
            self.discovered.emit(camera_id)
        return self.cameras[camera_id]
