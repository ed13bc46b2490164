"""The camera list: cameras by group with live state and fps, a filter box over it; drag a camera
onto a tile or double-click it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPixmap, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from camcount_desktop.cameras.controller import CamerasController
from camcount_desktop.wall.tile_view import CAMERA_MIME

STATE_COLORS = {"online": "#3cc85a", "reconnecting": "#f0aa1e", "offline": "#e63c3c",
                "unknown": "#969696", "disabled": "#969696", "no worker": "#e63c3c"}
#: the states as the list shows them (the workers report the English words)
STATE_NAMES = {
    "online": QT_TRANSLATE_NOOP("CamerasView", "online"),
    "reconnecting": QT_TRANSLATE_NOOP("CamerasView", "reconnecting"),
    "offline": QT_TRANSLATE_NOOP("CamerasView", "offline"),
    "unknown": QT_TRANSLATE_NOOP("CamerasView", "unknown"),
    "disabled": QT_TRANSLATE_NOOP("CamerasView", "disabled"),
    "no worker": QT_TRANSLATE_NOOP("CamerasView", "no worker"),
}
_ID_ROLE = Qt.ItemDataRole.UserRole
#: a camera name this long reads whole in the list at the default window size
READABLE_NAME = "Entrance (sample video)"


def state_icon(state: str) -> QIcon:
    """A dot in the state's colour: the state reads at a glance, even with the column cut."""
    pixmap = QPixmap(12, 12)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(STATE_COLORS.get(state, "#969696")))
    p.drawEllipse(1, 1, 10, 10)
    p.end()
    return QIcon(pixmap)


class _CameraModel(QStandardItemModel):
    """Drags carry the camera id, which tiles accept."""

    def mimeTypes(self) -> list[str]:
        return [CAMERA_MIME]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:
        data = QMimeData()
        ids = [i.data(_ID_ROLE) for i in indexes if i.data(_ID_ROLE)]
        if ids:
            data.setData(CAMERA_MIME, ids[0].encode())
        return data


class CamerasView(QWidget):
    camera_activated = Signal(str)
    #: a camera no camera worker serves, and why ("" once one does): its tile says so too
    unserved_changed = Signal(str, str)

    def __init__(self, controller: CamerasController,
                 serves_group: Callable[[str], bool | None] = lambda _: None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        #: whether some camera worker serves a group (None: not known yet)
        self.serves_group = serves_group
        self.model = _CameraModel(0, 3, self)
        self.model.setHorizontalHeaderLabels([self.tr("Camera"), self.tr("State"), self.tr("FPS")])
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        # a group stays while one of its cameras matches; a matching group shows all its cameras
        self.proxy.setRecursiveFilteringEnabled(True)
        self.proxy.setAutoAcceptChildRows(True)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(0)

        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Filter cameras"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter_changed)

        self.tree = QTreeView()
        self.tree.setModel(self.proxy)
        self.tree.setUniformRowHeights(True)
        self.tree.setIconSize(QSize(12, 12))
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # names take what is left; state and fps are never cut ("reconnecting" must read whole)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.doubleClicked.connect(self._activated)

        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        col.addWidget(self.filter)
        col.addWidget(self.tree, 1)
        # the dock keeps the width a usual camera name needs, whatever else the window holds
        metrics = self.tree.fontMetrics()
        self.setMinimumWidth(metrics.horizontalAdvance(
            READABLE_NAME + "  " + self.tr("reconnecting") + "  00.0")
                             + 2 * self.tree.indentation() + 40)

        self._groups: dict[str, QStandardItem] = {}
        self._items: dict[str, QPersistentModelIndex] = {}
        controller.changed.connect(self.refresh_camera)
        controller.removed.connect(self.remove_camera)
        for camera_id in controller.cameras:
            self.refresh_camera(camera_id)

    def _filter_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self.tree.expandAll()

    def _row(self, camera_id: str) -> list[QStandardItem] | None:
        index = self._items.get(camera_id)
        if index is None or not index.isValid():
            return None
        first = self.model.itemFromIndex(QModelIndex(index))
        parent = first.parent()
        return [parent.child(first.row(), c) for c in range(3)]

    def refresh_camera(self, camera_id: str) -> None:
        info = self.controller.cameras[camera_id]
        group = info.group or "Ungrouped"
        row = self._row(camera_id)
        if row is not None and row[0].parent() is not self._groups.get(group):
            self.remove_camera(camera_id)
            row = None
        if row is None:
            parent = self._groups.get(group)
            if parent is None:
                parent = self._groups[group] = QStandardItem(group)
                parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.model.appendRow([parent, _cell(), _cell()])
                self.tree.setExpanded(self.proxy.mapFromSource(parent.index()), True)
            row = [QStandardItem() for _ in range(3)]
            for item in row:
                item.setData(camera_id, _ID_ROLE)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsDragEnabled)
            parent.appendRow(row)
            self._items[camera_id] = QPersistentModelIndex(row[0].index())
        # a disabled camera is offline on purpose: not an alarm colour
        state = "disabled" if not info.enabled and info.state != "online" else info.state
        detail = info.detail
        unserved = state == "unknown" and self.serves_group(info.group) is False
        if unserved:
            state, detail = "no worker", no_worker_text(info.group)
        self.unserved_changed.emit(camera_id, detail if unserved else "")
        name, state_cell, fps = row
        name.setText(info.name)
        name.setIcon(state_icon(state))
        name.setToolTip(f"{info.name}\n{info.camera_id}\n{detail}".strip())
        state_cell.setToolTip(detail)
        state_cell.setText(self.tr(STATE_NAMES[state]) if state in STATE_NAMES else state)
        state_cell.setForeground(QBrush(QColor(STATE_COLORS.get(state, "#969696"))))
        fps.setText(f"{info.fps:.1f}" if info.state == "online" else "–")

    def refresh_all(self) -> None:
        for camera_id in self.controller.cameras:
            self.refresh_camera(camera_id)

    def remove_camera(self, camera_id: str) -> None:
        row = self._row(camera_id)
        self._items.pop(camera_id, None)
        if row is None:
            return
        group = row[0].parent()
        group.removeRow(row[0].row())
        if group.rowCount() == 0:
            self._groups.pop(group.text(), None)
            self.model.removeRow(group.row())

    def listed(self, camera_id: str) -> tuple[str, str, str] | None:
        """What the list shows for a camera: name, state and fps; None when it is not listed."""
        row = self._row(camera_id)
        return None if row is None else (row[0].text(), row[1].text(), row[2].text())

    def shown_names(self) -> list[str]:
        """Camera names left by the filter, in list order."""
        names = []
        for g in range(self.proxy.rowCount()):
            group = self.proxy.index(g, 0)
            names += [self.proxy.index(r, 0, group).data() for r in range(self.proxy.rowCount(group))]
        return names

    def _activated(self, index: QModelIndex) -> None:
        camera_id = index.data(_ID_ROLE)
        if camera_id:
            self.camera_activated.emit(camera_id)


def no_worker_text(group: str) -> str:
    if group:
        return QCoreApplication.translate(
            "CamerasView", "no camera worker serves group {group}: start one with "
            "`camcount-worker camera --group {group}`").format(group=group)
    return QCoreApplication.translate("CamerasView", "no camera worker serves the default group: "
                                      "start one with `camcount-worker camera`")


def _cell() -> QStandardItem:
    item = QStandardItem()
    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
    return item
