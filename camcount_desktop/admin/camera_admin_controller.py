"""Cameras as an admin sees them: each one's configuration and live state, and changing them.

Configurations come from what this console was started with (local mode), every ``configure``
it sees on ``camera.control.*``, and the analytics worker's record (asked on refresh). Changes go
out as ``configure`` / ``remove`` control messages; camera workers apply them without a restart
(docs/cameras.md), detectors follow new cameras and drop removed ones.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
from dataclasses import dataclass

import cv2
from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QImage

from camcount_desktop import i18n
from camcount_desktop.admin.permissions import AdminAccess
from camcount_desktop.console import Console
from workers.analytics.client import AnalyticsClient, RequestFailed
from workers.camera.sources import Source, SourceError
from workers.contracts import CameraConfig, CameraControl

log = logging.getLogger(__name__)

#: the connection test gives up after this long opening, and again reading the first picture
TEST_TIMEOUT_S = 8.0


@dataclass(frozen=True)
class CameraRow:
    camera_id: str
    config: CameraConfig | None
    state: str
    detail: str
    #: the configuration is what its camera worker says it runs (started with --camera), not
    #: one saved from a console
    announced: bool = False


def read_one_picture(source: str) -> QImage:
    """One picture from ``source``, or SourceError saying why not. Blocking: run in a thread."""
    src = Source.parse(source)
    cap = src.open(open_timeout=TEST_TIMEOUT_S, read_timeout=TEST_TIMEOUT_S)
    try:
        ok, bgr = cap.read()
    finally:
        cap.release()
    if not ok or bgr is None:
        raise SourceError(QCoreApplication.translate(
            "CameraAdminController", "{source} opened but sent no picture").format(source=src.display))
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class CameraAdminController(QObject):
    changed = Signal()

    def __init__(self, console: Console, access: AdminAccess, parent: QObject | None = None):
        super().__init__(parent)
        self.console, self.access = console, access
        self.analytics = AnalyticsClient(console.bus)
        self.configs: dict[str, CameraConfig] = {c.camera_id: c for c in console.local_cameras}
        console.adapter.control_received.connect(self.on_control)
        # bound methods, not lambdas: Qt drops them when this controller goes before the console
        console.cameras.changed.connect(self._on_camera)
        console.cameras.removed.connect(self._on_camera)

    def _on_camera(self, _: str) -> None:
        self.changed.emit()

    def on_control(self, control: CameraControl) -> None:
        if control.action == "configure" and control.config is not None:
            self.configs[control.camera_id] = control.config
        elif control.action == "remove":
            self.configs.pop(control.camera_id, None)
        else:
            return
        self.changed.emit()

    def rows(self) -> list[CameraRow]:
        known = self.console.cameras.cameras
        ids = sorted(set(self.configs) | set(known))
        announced = self.console.cameras.announced
        return [CameraRow(cid, self.configs.get(cid) or announced.get(cid),
                          known[cid].state if cid in known else "unknown",
                          known[cid].detail if cid in known else "",
                          cid not in self.configs and cid in announced) for cid in ids]

    async def refresh(self) -> str:
        """Take the configurations the analytics worker recorded; says what happened."""
        try:
            reply = await self.analytics.cameras()
        except RequestFailed as exc:
            return self.tr("{why} Showing the cameras this console has seen.").format(
                why=i18n.refusal(exc))
        for info in reply.cameras:
            if info.config is not None and info.camera_id not in self.configs:
                self.configs[info.camera_id] = info.config
        self.changed.emit()
        return self.tr("Cameras recorded by the analytics worker: {n}").format(n=len(reply.cameras))

    async def configure(self, config: CameraConfig) -> str | None:
        return await self._send(CameraControl(camera_id=config.camera_id, action="configure",
                                              config=config, requested_by=getpass.getuser()))

    async def set_enabled(self, camera_id: str, enabled: bool) -> str | None:
        config = self.configs.get(camera_id)
        if config is None:
            return self.tr("the configuration of {camera} is not known here; edit it first").format(
                camera=camera_id)
        return await self.configure(config.model_copy(update={"enabled": enabled}))

    async def remove(self, camera_id: str) -> str | None:
        return await self._send(CameraControl(camera_id=camera_id, action="remove",
                                              requested_by=getpass.getuser()))

    async def _send(self, control: CameraControl) -> str | None:
        error = await self.access.send(control)
        if error is None:
            self.on_control(control)  # our own message also comes back; show it at once
        return error

    @staticmethod
    async def test_connection(source: str) -> QImage:
        """A picture from the source as this computer sees it, or SourceError saying why not."""
        try:
            return await asyncio.to_thread(read_one_picture, source)
        except cv2.error as exc:
            raise SourceError(QCoreApplication.translate(
                "CameraAdminController", "cannot open {source}: {why}").format(
                    source=Source.parse(source).display, why=exc)) from exc
