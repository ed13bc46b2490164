"""What the zone editor works on and how it saves: the frozen frame, the camera's current zone
set (as this console last saw it, else as the analytics worker stored it), and publishing a new
version as ``set_zones`` on ``camera.control.{id}``. Detectors apply it from their next frame,
the analytics worker records it, and every console (this one too) redraws its overlay when the
message reaches it."""

from __future__ import annotations

import getpass
import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from camcount_desktop.admin.frame_grab import grab_frame
from camcount_desktop.admin.permissions import AdminAccess
from camcount_desktop.admin.zone_draft import ZoneDraft
from camcount_desktop.console import Console
from workers.analytics.client import AnalyticsClient, RequestFailed
from workers.contracts import CameraControl, ZoneSet

log = logging.getLogger(__name__)

#: how long to wait for the camera's next frame
FRAME_TIMEOUT_S = 4.0
#: frame size assumed when neither a frame nor a zone set says
DEFAULT_SIZE = (1280, 720)


class ZoneEditorController(QObject):
    #: (text, "info" | "ok" | "error")
    status = Signal(str, str)
    saved = Signal(int)

    def __init__(self, console: Console, access: AdminAccess, camera_id: str,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.console, self.access, self.camera_id = console, access, camera_id
        self.analytics = AnalyticsClient(console.bus)
        self.draft: ZoneDraft | None = None
        self.image: QImage | None = None

    @property
    def next_version(self) -> int:
        assert self.draft is not None
        return self.draft.base_version + 1

    async def load(self) -> None:
        """Freeze the next frame and take the current zone set, drawn to that frame's size."""
        self.status.emit("Waiting for a frame from the camera…", "info")
        base = await self._current_zones()
        grabbed = await self.refreeze()
        if grabbed is not None:
            width, height = grabbed
        elif base is not None:
            width, height = base.frame_width, base.frame_height
        else:
            width, height = DEFAULT_SIZE
        if base is None:
            base = ZoneSet(camera_id=self.camera_id, frame_width=width, frame_height=height)
        self.draft = ZoneDraft(base.scaled_to(width, height))
        if grabbed is None:
            self.status.emit(f"No frame from camera {self.camera_id} within {FRAME_TIMEOUT_S:g} s "
                             "(offline or not sending): drawing on a blank frame", "error")
        else:
            self.status.emit(f"Frame frozen ({width}×{height}); zones version "
                             f"{base.version}", "info")

    async def refreeze(self) -> tuple[int, int] | None:
        """Take a new frame; its size, or None when the camera sent none."""
        grabbed = await grab_frame(self.console.bus, self.camera_id, FRAME_TIMEOUT_S)
        if grabbed is None:
            return None
        self.image, width, height = grabbed
        return width, height

    async def _current_zones(self) -> ZoneSet | None:
        state = self.console.wall.states.get(self.camera_id)
        if state is not None and state.zones is not None:
            return state.zones
        try:
            return await self.analytics.zone_set(self.camera_id)
        except RequestFailed as exc:  # no analytics worker: start from nothing
            log.info("zone set of %s not available from analytics: %s", self.camera_id, exc)
            return None

    async def save(self) -> bool:
        """Publish the draft as the next version; says why not when it cannot."""
        assert self.draft is not None
        version = self.next_version
        try:
            zones = self.draft.zone_set(version)
        except ValueError as exc:
            self.status.emit(f"Not saved: {exc}", "error")
            return False
        error = await self.access.send(CameraControl(camera_id=self.camera_id, action="set_zones",
                                                     zones=zones, requested_by=getpass.getuser()))
        if error is not None:
            self.status.emit(f"Not saved. {error}", "error")
            return False
        self.draft.base_version = version
        self.status.emit(f"Saved version {version}: detectors use it from their next frame", "ok")
        self.saved.emit(version)
        return True
