"""The live wall's state: layout, which camera is in which tile, full screen, and each camera's
TileState fed from the bus adapter's signals. Saved to Settings on every change."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from camcount_desktop.settings import MAX_TILES, Settings
from camcount_desktop.wall.counted_before import CountedBefore
from camcount_desktop.wall.frames import DecodedFrame
from camcount_desktop.wall.tile_state import TileState
from workers.contracts import CameraStatus, DetectionResult, ZoneSet

LAYOUTS = (1, 2, 3, 4)


class WallController(QObject):
    layout_changed = Signal()  # layout, assignments or full screen changed
    camera_updated = Signal(str)  # repaint the tiles showing this camera
    #: a result was drawn on the frame it was computed on (camera_id, frame_id)
    result_shown = Signal(str, str)
    #: the cameras on screen changed; the console follows exactly these on the bus
    cameras_on_screen_changed = Signal(object)  # set[str]
    #: (camera id, datetime): a detector started counting the camera then; what was stored
    #: before is wanted (``set_counted_before``)
    totals_needed = Signal(str, object)
    #: the operator switched a tile's heatmap on or off (camera_id, on)
    heatmap_requested = Signal(str, bool)
    #: the operator asked to see faces on a camera, or to stop (camera_id, on)
    faces_requested = Signal(str, bool)

    def __init__(self, settings: Settings, parent: QObject | None = None):
        super().__init__(parent)
        self.settings = settings
        self.layout = settings.layout() or 2
        saved = settings.assignments()
        #: a wall never arranged fills its free tiles with cameras as they are discovered
        self.arranged = saved is not None
        self.assignments: list[str | None] = saved or [None] * MAX_TILES
        self.fullscreen: int | None = None
        self.states: dict[str, TileState] = {}
        self._signal_states: dict[str, str] = {}
        #: today's line counts stored before the detector counting a camera started (its
        #: results count from there), by camera; asked for with ``totals_needed``
        self.counted_before: dict[str, CountedBefore] = {}
        self._counting_since: dict[str, datetime] = {}
        # liveness changes without any message arriving (a feed that just stops): look each second
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self.tick)
        self._ticker.start()

    # -- cameras ------------------------------------------------------------------------------
    def state(self, camera_id: str) -> TileState:
        if camera_id not in self.states:
            self.states[camera_id] = TileState(camera_id)
        return self.states[camera_id]

    def set_camera_name(self, camera_id: str, name: str) -> None:
        self.state(camera_id).name = name or camera_id
        self.camera_updated.emit(camera_id)

    def set_unserved(self, camera_id: str, why: str) -> None:
        state = self.state(camera_id)
        if state.unserved != why:
            state.unserved = why
            self.camera_updated.emit(camera_id)

    def offer_camera(self, camera_id: str) -> None:
        """A newly known camera goes into the first free tile of a wall the user never arranged."""
        if self.arranged or camera_id in self.assignments:
            return
        for i in range(self.layout * self.layout):
            if self.assignments[i] is None:
                self.assignments[i] = camera_id
                self._changed(save=False)
                return

    def forget_camera(self, camera_id: str) -> None:
        """A removed camera leaves the wall: its tile is freed and its picture dropped."""
        self.states.pop(camera_id, None)
        self._signal_states.pop(camera_id, None)
        if camera_id not in self.assignments:
            return
        index = self.assignments.index(camera_id)
        self.assignments[index] = None
        if self.fullscreen == index:
            self.fullscreen = None
        self._changed(save=self.arranged)

    def cameras_on_screen(self) -> set[str]:
        return {c for c in self.assignments[: self.layout * self.layout] if c}

    # -- arrangement --------------------------------------------------------------------------
    def set_layout(self, n: int) -> None:
        if n not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}, got {n}")
        self.layout = n
        if self.fullscreen is not None and self.fullscreen >= n * n:
            self.fullscreen = None
        self.arranged = True
        self._changed()

    def assign(self, index: int, camera_id: str | None) -> None:
        """Put a camera in a tile; a camera already on the wall swaps places with the tile's."""
        if camera_id is not None and camera_id in self.assignments:
            old = self.assignments.index(camera_id)
            self.assignments[old] = self.assignments[index]
        self.assignments[index] = camera_id
        self.arranged = True
        self._changed()

    def toggle_fullscreen(self, index: int) -> None:
        self.fullscreen = None if self.fullscreen == index else index
        self._changed(save=False)

    def exit_fullscreen(self) -> None:
        if self.fullscreen is not None:
            self.fullscreen = None
            self._changed(save=False)

    def show_camera(self, camera_id: str) -> None:
        """Jump to a camera: full screen on its tile, placing it on the wall if needed."""
        if camera_id not in self.cameras_on_screen():
            visible = self.assignments[: self.layout * self.layout]
            index = visible.index(None) if None in visible else 0
            self.assign(index, camera_id)
        self.fullscreen = self.assignments.index(camera_id)
        self._changed(save=False)

    def visible_tiles(self) -> list[int]:
        if self.fullscreen is not None:
            return [self.fullscreen]
        return list(range(self.layout * self.layout))

    def _changed(self, *, save: bool = True) -> None:
        if save:
            self.settings.save_wall(self.layout, self.assignments)
        self.layout_changed.emit()
        self.cameras_on_screen_changed.emit(self.cameras_on_screen())

    # -- feed (slots for the bus adapter) -----------------------------------------------------
    def on_frame(self, frame: DecodedFrame) -> None:
        self.state(frame.camera_id).add_frame(frame)
        self.camera_updated.emit(frame.camera_id)

    def on_result(self, result: DetectionResult) -> None:
        since = result.counting_data.counting_since
        if since is not None and self._counting_since.get(result.camera_id) != since:
            # a detector (re)started counting this camera, from zero: what was stored before
            # it started is asked for, and meanwhile the old run's offset no longer applies
            self._counting_since[result.camera_id] = since
            self.counted_before.pop(result.camera_id, None)
            self.totals_needed.emit(result.camera_id, since)
        if (before := self.counted_before.get(result.camera_id)) is not None:
            result = before.added_to(result)
        if self.state(result.camera_id).add_result(result):
            self.result_shown.emit(result.camera_id, result.frame_id)
        self.camera_updated.emit(result.camera_id)

    def set_counted_before(self, camera_id: str, since: datetime, before: CountedBefore) -> None:
        """What analytics stored for the camera before ``since``; ignored if another detector
        run started meanwhile."""
        if self._counting_since.get(camera_id) == since:
            self.counted_before[camera_id] = before
            state = self.state(camera_id)
            if state.latest_result is not None:  # the totals on screen now, not at the next result
                state.latest_result = before.added_to(state.latest_result)
            self.camera_updated.emit(camera_id)

    def on_status(self, status: CameraStatus) -> None:
        self.state(status.camera_id).set_status(status)
        self.camera_updated.emit(status.camera_id)

    def on_zones(self, zones: ZoneSet) -> None:
        state = self.state(zones.camera_id)
        if state.zones is not None and state.zones.version > zones.version:
            return  # an older version announced again
        state.zones = zones
        self.camera_updated.emit(zones.camera_id)

    # -- heatmaps and faces -------------------------------------------------------------------
    def toggle_heatmap(self, camera_id: str) -> None:
        state = self.state(camera_id)
        on = not state.heat_caption  # an empty caption: not shown, nor asked for
        state.heat_caption = self.tr("Heatmap: asking analytics…") if on else ""
        state.heat = None
        self.heatmap_requested.emit(camera_id, on)
        self.camera_updated.emit(camera_id)

    def set_heatmap(self, camera_id: str, image, caption: str) -> None:  # type: ignore[no-untyped-def]
        state = self.state(camera_id)
        if state.heat_caption:  # still wanted
            state.heat, state.heat_caption = image, caption
            self.camera_updated.emit(camera_id)

    def toggle_faces(self, camera_id: str) -> None:
        state = self.state(camera_id)
        self.set_faces(camera_id, not state.faces_on)
        self.faces_requested.emit(camera_id, state.faces_on)

    def set_faces(self, camera_id: str, on: bool) -> None:
        """What the tile says (the adapter decides what it receives)."""
        self.state(camera_id).faces_on = on
        self.camera_updated.emit(camera_id)

    def tick(self) -> None:
        for camera_id in self.cameras_on_screen():
            now = self.state(camera_id).signal_state()
            if self._signal_states.get(camera_id) != now or now != "live":
                self._signal_states[camera_id] = now
                self.camera_updated.emit(camera_id)  # also keeps "last frame … ago" current
