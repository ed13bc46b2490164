"""What the zone editor works on and how it saves: the frozen frame, and the camera's zone set
as the analytics worker stored it, which is the only place zone versions come from.

Saving asks the analytics worker to store the drawing as the version after the one it was drawn
on; it stores it only if that is still the newest, then announces it (``zones_stored`` on
``camera.control.{id}``), which detectors count with and every console (this one too) draws.
When analytics does not answer, the editor still opens (on what this console last saw) but will
not save: it cannot know which version it would replace. Export keeps the drawing as a file.
"""

from __future__ import annotations

import getpass
import logging

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, Signal
from PySide6.QtGui import QImage

from camcount_desktop import i18n
from camcount_desktop.admin.frame_grab import grab_frame
from camcount_desktop.admin.permissions import AdminAccess
from camcount_desktop.admin.zone_draft import ZoneDraft
from camcount_desktop.console import Console
from workers.analytics.client import AnalyticsClient, RequestFailed
from workers.contracts import ZoneSet

log = logging.getLogger(__name__)

#: how long to wait for the camera's next frame
FRAME_TIMEOUT_S = 4.0
#: frame size assumed when neither a frame nor a zone set says
DEFAULT_SIZE = (1280, 720)
#: why Save is off when the stored version is not known
NOT_READ = QT_TRANSLATE_NOOP("ZoneEditorController", "the analytics worker, which stores zone "
                             "versions, did not answer, so the stored version of these zones is "
                             "not known")


class ZoneEditorController(QObject):
    #: (text, "info" | "ok" | "error")
    status = Signal(str, str)
    saved = Signal(int)
    #: whether the draft is known to be drawn on the newest stored version changed
    base_known_changed = Signal(bool)

    def __init__(self, console: Console, access: AdminAccess, camera_id: str,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.console, self.access, self.camera_id = console, access, camera_id
        self.draft: ZoneDraft | None = None
        self.image: QImage | None = None
        #: the draft was drawn on the version analytics holds as its newest: Save may go
        self.base_known = False
        self._client = AnalyticsClient(console.bus)

    @property
    def next_version(self) -> int:
        assert self.draft is not None
        return self.draft.base_version + 1

    async def load(self) -> None:
        """Freeze the next frame and take the stored zone set, drawn to that frame's size."""
        self.status.emit(self.tr("Waiting for a frame from the camera…"), "info")
        known, stored = await self._read_stored()
        base = stored if known else self._last_seen()
        grabbed = await self.refreeze()
        if grabbed is not None:
            width, height = grabbed
        elif base is not None:
            width, height = base.frame_width, base.frame_height
        else:
            width, height = DEFAULT_SIZE
        empty = ZoneSet(camera_id=self.camera_id, frame_width=width, frame_height=height)
        self.draft = ZoneDraft((base or empty).scaled_to(width, height),
                               base.version if base is not None else 0)
        self.draft.name_templates = {"line": self.tr("Line {n}"), "zone": self.tr("Zone {n}"),
                                     "mask": self.tr("Mask {n}")}
        self.draft.language = i18n.current
        self._set_known(known)
        drawn_on = (self.tr("zones version {version}").format(version=base.version) if base
                    else self.tr("no zones saved yet"))
        if not known:
            seen = (self.tr("showing version {version} as this console last saw it").format(
                version=base.version) if base else self.tr("showing no shapes"))
            self.status.emit(self.tr("Not saving: {why} ({seen}). Draw or Export; “Load stored "
                                     "zones” asks again.").format(why=self.tr(NOT_READ), seen=seen),
                             "error")
        elif grabbed is None:
            self.status.emit(self.tr("No frame from camera {camera} within {seconds} s (offline or "
                                     "not sending): drawing on a blank frame; {zones}").format(
                camera=self.camera_id, seconds=f"{FRAME_TIMEOUT_S:g}", zones=drawn_on), "error")
        else:
            self.status.emit(self.tr("Frame frozen ({width}×{height}); {zones}").format(
                width=width, height=height, zones=drawn_on), "info")

    async def refreeze(self) -> tuple[int, int] | None:
        """Take a new frame; its size, or None when the camera sent none."""
        grabbed = await grab_frame(self.console.bus, self.camera_id, FRAME_TIMEOUT_S)
        if grabbed is None:
            return None
        self.image, width, height = grabbed
        return width, height

    def _last_seen(self) -> ZoneSet | None:
        state = self.console.wall.states.get(self.camera_id)
        return state.zones if state is not None else None

    async def _read_stored(self) -> tuple[bool, ZoneSet | None]:
        """(whether analytics answered, its newest zone set of the camera)."""
        try:
            return True, await self._client.latest_zone_set(self.camera_id)
        except RequestFailed as exc:
            if exc.why == "not_allowed":
                self.access.refused()
            else:
                log.info("zone set of %s not available from analytics: %s", self.camera_id, exc)
        return False, None

    def _set_known(self, known: bool) -> None:
        if known != self.base_known:
            self.base_known = known
            self.base_known_changed.emit(known)

    async def load_stored(self) -> None:
        """Ask analytics again; draw on what it stores now (the drawing stays one Undo away)."""
        assert self.draft is not None
        known, stored = await self._read_stored()
        if not known:
            self.status.emit(self.tr("Still not saving: {why}.").format(why=self.tr(NOT_READ)),
                             "error")
            return
        version = stored.version if stored is not None else 0
        if version != self.draft.base_version:
            empty = ZoneSet(camera_id=self.camera_id, frame_width=self.draft.width,
                            frame_height=self.draft.height)
            self.draft.rebase(stored or empty, version)
            self.status.emit(self.tr("Loaded the stored zones (version {version}) in place of the "
                                     "drawing, which Undo brings back").format(version=version),
                             "info")
        else:
            self.status.emit(self.tr("The stored zones are version {version}, the ones this "
                                     "drawing started from: Save is on").format(version=version),
                             "ok")
        self._set_known(True)

    async def save(self) -> bool:
        """Ask analytics to store the draft as the next version; says why not when it cannot."""
        assert self.draft is not None
        if not self.base_known:
            self.status.emit(self.tr("Not saved: {why}.").format(why=self.tr(NOT_READ)), "error")
            return False
        version = self.next_version
        try:
            zones = self.draft.zone_set(version)
        except ValueError as exc:
            self.status.emit(self.tr("Not saved: {why}").format(why=exc), "error")
            return False
        try:
            reply = await self._client.save_zone_set(zones, base_version=self.draft.base_version,
                                                     requested_by=getpass.getuser())
        except RequestFailed as exc:
            if exc.why == "not_allowed":
                self.status.emit(self.tr("Not saved. {why}").format(why=self.access.refused()),
                                 "error")
                return False
            if exc.why != "no_answer":
                self.status.emit(self.tr("Not saved. {why}").format(why=i18n.refusal(exc)),
                                 "error")
                return False
            # it may have been stored all the same: ask before saving again
            log.info("saving zones of %s: %s", self.camera_id, exc)
            self._set_known(False)
            self.status.emit(self.tr("Not saved: the analytics worker, which stores zone versions, "
                                     "did not answer, and the detectors were sent nothing. The "
                                     "drawing stays here: “Load stored zones” once it is back, or "
                                     "Export it."), "error")
            return False
        current = reply.current.version if reply.current is not None else 0
        if not reply.saved:
            why = i18n.say(reply.error_phrase, reply.error or "")
            if current != self.draft.base_version:  # someone else saved meanwhile
                self._set_known(False)
                self.status.emit(self.tr("Not saved: {why}. “Load stored zones” replaces the "
                                         "drawing with them (Undo brings it back).").format(
                                             why=why), "error")
            else:
                self.status.emit(self.tr("Not saved: {why}").format(why=why), "error")
            return False
        self.draft.base_version = version
        self.draft.base_ids = frozenset(s.id for s in self.draft.shapes)
        self.draft.mark_stored()
        self.status.emit(self.tr("Saved version {version}: stored, and the detectors count with "
                                 "it from their next frame").format(version=version), "ok")
        self.saved.emit(version)
        return True
