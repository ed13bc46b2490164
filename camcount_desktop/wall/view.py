"""The live wall: a grid of tiles showing what the WallController says, in 1/4/9/16 layouts."""

from __future__ import annotations

from PySide6.QtCore import QChildEvent, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QDialog, QGridLayout, QMenu, QWidget

from camcount_desktop.settings import MAX_TILES
from camcount_desktop.wall.controller import WallController
from camcount_desktop.wall.palette import make_dark, use_dark_tooltips
from camcount_desktop.wall.tile_view import HEADER_H, TileView


class WallView(QWidget):
    #: the picture size of each camera on screen changed: decode frames to fit (camera_id, w, h)
    tile_resized = Signal(str, int, int)

    def __init__(self, controller: WallController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.show_boxes = True
        self.tiles = [TileView(i, self) for i in range(MAX_TILES)]
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(3)
        make_dark(self)
        use_dark_tooltips()
        self._sizes: dict[str, tuple[int, int]] = {}
        for tile in self.tiles:
            tile.double_clicked.connect(lambda t=tile: controller.toggle_fullscreen(t.index))
            tile.camera_dropped.connect(lambda cam, t=tile: controller.assign(t.index, cam))
            tile.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            tile.customContextMenuRequested.connect(lambda pos, t=tile: self._tile_menu(t, pos))
        self._add_key(QKeySequence(Qt.Key.Key_Return), self._toggle_focused)
        self._add_key(QKeySequence(Qt.Key.Key_F), self._toggle_focused)
        self._add_key(QKeySequence(Qt.Key.Key_Escape), controller.exit_fullscreen)
        controller.layout_changed.connect(self.relayout)
        controller.camera_updated.connect(self.update_camera)
        self.relayout()

    def _add_key(self, keys: QKeySequence, slot) -> None:
        action = QAction(self)
        action.setShortcut(keys)
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)

    def _toggle_focused(self) -> None:
        focused = next((t for t in self.tiles if t.hasFocus()), None)
        if focused is not None:
            self.controller.toggle_fullscreen(focused.index)

    def childEvent(self, event: QChildEvent) -> None:
        # a dialog or menu opened on the wall is a window of its own, which does not inherit
        # the wall's palette: each gets it once built (polished), whoever opens it
        child = event.child()
        if event.polished() and isinstance(child, QDialog | QMenu):
            make_dark(child)
        super().childEvent(event)

    def _tile_menu(self, tile: TileView, pos) -> None:
        self.tile_menu(tile).exec(tile.mapToGlobal(pos))

    def tile_menu(self, tile: TileView) -> QMenu:
        menu = make_dark(QMenu(self))
        full = menu.addAction(self.tr("Back to the wall") if self.controller.fullscreen == tile.index
                              else self.tr("Full screen"))
        full.triggered.connect(lambda: self.controller.toggle_fullscreen(tile.index))
        camera_id = self.controller.assignments[tile.index]
        if camera_id is not None:
            menu.addAction(self.tr("Remove from the wall")).triggered.connect(
                lambda: self.controller.assign(tile.index, None))
            state = self.controller.state(camera_id)
            heat = menu.addAction(self.tr("Heatmap (last 24 h)"))
            heat.setCheckable(True)
            heat.setChecked(bool(state.heat_caption))
            heat.triggered.connect(lambda: self.controller.toggle_heatmap(camera_id))
            shown = state.shown.frame if state.shown is not None else None
            if state.faces_on or (shown is not None and shown.people_hidden):
                faces = menu.addAction(self.tr("Show faces (each view is logged)"))
                faces.setCheckable(True)
                faces.setChecked(state.faces_on)
                faces.triggered.connect(lambda: self.controller.toggle_faces(camera_id))
        return menu

    def set_show_latency(self, on: bool) -> None:
        """Each tile's header shows how old its picture is (capture to screen)."""
        for tile in self.tiles:
            tile.show_latency = on
            tile.update()

    def set_show_boxes(self, on: bool) -> None:
        self.show_boxes = on
        for tile in self.tiles:
            tile.show_boxes = on
            tile.update()

    # -- following the controller -------------------------------------------------------------
    def relayout(self) -> None:
        c = self.controller
        for tile in self.tiles:
            self._grid.removeWidget(tile)
            tile.hide()
        n = c.layout
        for r in range(MAX_TILES // 4):
            self._grid.setRowStretch(r, 1 if r < n and c.fullscreen is None else 0)
            self._grid.setColumnStretch(r, 1 if r < n and c.fullscreen is None else 0)
        if c.fullscreen is not None:
            self._grid.setRowStretch(0, 1)
            self._grid.setColumnStretch(0, 1)
        for i in c.visible_tiles():
            tile = self.tiles[i]
            cam = c.assignments[i]
            tile.set_state(c.state(cam) if cam else None)
            if c.fullscreen is not None:
                self._grid.addWidget(tile, 0, 0)
            else:
                self._grid.addWidget(tile, i // n, i % n)
            tile.show()
        if c.fullscreen is not None:
            # hiding the clicked tile moved the keyboard focus off the wall, where Esc never came
            self.tiles[c.fullscreen].setFocus()
        self._report_sizes()

    def update_camera(self, camera_id: str) -> None:
        for i in self.controller.visible_tiles():
            if self.controller.assignments[i] == camera_id:
                self.tiles[i].update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._report_sizes()

    def _report_sizes(self) -> None:
        """Tell the decoder the size each camera is shown at (grid cells share the space)."""
        c = self.controller
        n = 1 if c.fullscreen is not None else c.layout
        spacing = self._grid.spacing() * (n - 1)
        w = max(1, (self.width() - spacing) // n)
        h = max(1, (self.height() - spacing) // n - HEADER_H)
        for i in c.visible_tiles():
            cam = c.assignments[i]
            if cam and self._sizes.get(cam) != (w, h):
                self._sizes[cam] = (w, h)
                self.tile_resized.emit(cam, w, h)

    def sizeHint(self) -> QSize:
        return QSize(960, 600)
