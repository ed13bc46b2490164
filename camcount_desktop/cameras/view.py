"""The camera list: cameras by group with live state and fps; drag one onto a tile."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from camcount_desktop.cameras.controller import CamerasController
from camcount_desktop.wall.tile_view import CAMERA_MIME

STATE_COLORS = {"online": "#3cc85a", "reconnecting": "#f0aa1e", "offline": "#e63c3c",
                "unknown": "#969696", "disabled": "#969696"}
_ID_ROLE = Qt.ItemDataRole.UserRole


class CamerasView(QTreeWidget):
    camera_activated = Signal(str)

    def __init__(self, controller: CamerasController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.setHeaderLabels(["Camera", "State", "FPS"])
        # names take what is left; state and fps are never cut ("reconnecting" must read whole)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._groups: dict[str, QTreeWidgetItem] = {}
        self._items: dict[str, QTreeWidgetItem] = {}
        controller.changed.connect(self.refresh_camera)
        controller.removed.connect(self.remove_camera)
        self.itemDoubleClicked.connect(self._activated)
        for camera_id in controller.cameras:
            self.refresh_camera(camera_id)

    def refresh_camera(self, camera_id: str) -> None:
        info = self.controller.cameras[camera_id]
        item = self._items.get(camera_id)
        group = info.group or "Ungrouped"
        if item is not None and item.parent() is not self._groups.get(group):
            item.parent().removeChild(item)
            item = None
        if item is None:
            parent = self._groups.get(group)
            if parent is None:
                parent = self._groups[group] = QTreeWidgetItem(self, [group])
                parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
                parent.setExpanded(True)
            item = self._items[camera_id] = QTreeWidgetItem(parent)
            item.setData(0, _ID_ROLE, camera_id)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                          | Qt.ItemFlag.ItemIsDragEnabled)
        # a disabled camera is offline on purpose: not an alarm colour
        state = "disabled" if not info.enabled and info.state != "online" else info.state
        item.setText(0, info.name)
        item.setText(1, state)
        item.setForeground(1, QBrush(QColor(STATE_COLORS.get(state, "#969696"))))
        item.setText(2, f"{info.fps:.1f}" if info.state == "online" else "–")
        item.setToolTip(0, f"{info.camera_id}\n{info.detail}".strip())

    def remove_camera(self, camera_id: str) -> None:
        item = self._items.pop(camera_id, None)
        if item is None:
            return
        group = item.parent()
        group.removeChild(item)
        if group.childCount() == 0:
            self._groups.pop(group.text(0), None)
            self.takeTopLevelItem(self.indexOfTopLevelItem(group))

    def item_for(self, camera_id: str) -> QTreeWidgetItem | None:
        return self._items.get(camera_id)

    def _activated(self, item: QTreeWidgetItem) -> None:
        camera_id = item.data(0, _ID_ROLE)
        if camera_id:
            self.camera_activated.emit(camera_id)

    def mimeTypes(self) -> list[str]:
        return [CAMERA_MIME]

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:
        data = QMimeData()
        ids = [i.data(0, _ID_ROLE) for i in items if i.data(0, _ID_ROLE)]
        if ids:
            data.setData(CAMERA_MIME, ids[0].encode())
        return data
