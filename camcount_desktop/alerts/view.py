"""Alerts panel: newest first in severity colours, active or resolved; acknowledge; click one to
see its camera."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from camcount_desktop.alerts.controller import AlertsController

SEVERITY_COLORS = {"critical": QColor(150, 30, 30), "warning": QColor(135, 95, 10),
                   "info": QColor(35, 70, 115)}
_ID = Qt.ItemDataRole.UserRole
CAMERA_COLUMN, STATE_COLUMN = 2, 5
COLUMNS = ["Time", "Severity", "Camera", "Alert", "Acknowledged", "State"]
SHOW_ALL, SHOW_ACTIVE, SHOW_RESOLVED = "All", "Active", "Resolved"


class AlertsView(QWidget):
    acknowledge_requested = Signal(list)

    def __init__(self, controller: AlertsController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.headerItem().setToolTip(CAMERA_COLUMN, "click a camera to show it")
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        for col, width in enumerate((80, 70, 110, 340)):
            self.tree.setColumnWidth(col, width)
        self.tree.itemClicked.connect(self._clicked)
        self.ack_button = QPushButton("Acknowledge selected")
        self.ack_button.clicked.connect(self._ack_selected)
        self.ack_all_button = QPushButton("Acknowledge all")
        self.ack_all_button.clicked.connect(self._ack_all)
        self.badge = QLabel()
        self.active_label = QLabel()
        self.show_filter = QComboBox()
        self.show_filter.addItems([SHOW_ALL, SHOW_ACTIVE, SHOW_RESOLVED])
        self.show_filter.setToolTip("which alerts to list")
        self.show_filter.currentTextChanged.connect(self.refresh)
        self.note = QLabel()
        self.note.setStyleSheet("color:#d04040;")
        buttons = QHBoxLayout()
        buttons.addWidget(self.badge)
        buttons.addWidget(self.active_label)
        buttons.addWidget(self.show_filter)
        buttons.addStretch(1)
        buttons.addWidget(self.note)
        buttons.addWidget(self.ack_button)
        buttons.addWidget(self.ack_all_button)
        col = QVBoxLayout(self)
        col.addLayout(buttons)
        col.addWidget(self.tree)
        self.acknowledge_requested.connect(controller.acknowledge_slot)
        controller.changed.connect(self.refresh)
        controller.error.connect(self.note.setText)
        self.refresh()

    def refresh(self) -> None:
        selected = {i.data(0, _ID) for i in self.tree.selectedItems()}
        self.tree.clear()
        show = self.show_filter.currentText()
        for alert in self.controller.newest_first():
            if (show == SHOW_ACTIVE and not alert.active) or (
                    show == SHOW_RESOLVED and alert.active):
                continue
            acked = "" if not alert.acknowledged else (
                f"{alert.acked_by} at {alert.acked_at.astimezone():%H:%M:%S}" if alert.acked_at
                else str(alert.acked_by))
            state = "active" if alert.active else (
                f"resolved {alert.resolved_at.astimezone():%H:%M:%S}" if alert.resolved_at
                else "resolved")
            item = QTreeWidgetItem([f"{alert.at.astimezone():%H:%M:%S}", alert.severity,
                                    alert.camera_id or "", alert.text, acked, state])
            item.setData(0, _ID, alert.alert_id)
            item.setToolTip(STATE_COLUMN, alert.resolution)
            color = SEVERITY_COLORS.get(alert.severity, SEVERITY_COLORS["info"])
            # an alert nobody needs to look at any more (handled, and over) fades the most
            dim = alert.acknowledged + (not alert.active)
            if dim:
                color = color.darker(140 + 30 * dim)
            for c in range(len(COLUMNS)):
                item.setBackground(c, QBrush(color))
                item.setForeground(c, QBrush(QColor(235, 235, 235) if not dim
                                             else QColor(160, 160, 160)))
            self.tree.addTopLevelItem(item)
            item.setSelected(alert.alert_id in selected)
        active = self.controller.active
        self.active_label.setText(f"{active} active" if active else "none active")
        n = self.controller.unacknowledged
        self.badge.setText(f"{n} unacknowledged" if n else "all acknowledged")
        self.badge.setStyleSheet("background:#c23b3b; color:white; border-radius:8px; padding:1px 8px;"
                                 if n else "color:#888;")

    def _clicked(self, item: QTreeWidgetItem, column: int) -> None:
        if column == CAMERA_COLUMN:  # elsewhere a click only selects, for acknowledging many
            self.controller.request_camera(item.data(0, _ID))

    def _ack_selected(self) -> None:
        self.note.clear()
        self.acknowledge_requested.emit([i.data(0, _ID) for i in self.tree.selectedItems()])

    def _ack_all(self) -> None:
        self.note.clear()
        self.acknowledge_requested.emit([a.alert_id for a in self.controller.newest_first()])
