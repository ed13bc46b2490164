"""Alerts panel: critical first, then newest, in severity colours, active or resolved;
acknowledge; click one to open it (``opened``: the main window shows it beside the wall, with
its snapshot and its camera live), click its camera to show it on the wall."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QItemSelectionModel, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from camcount_desktop.alerts.controller import AlertsController
from camcount_desktop.i18n import clock

SEVERITY_COLORS = {"critical": QColor(150, 30, 30), "warning": QColor(135, 95, 10),
                   "info": QColor(35, 70, 115)}
_ID = Qt.ItemDataRole.UserRole
CAMERA_COLUMN, TEXT_COLUMN, ACKED_COLUMN, STATE_COLUMN = 2, 3, 4, 5
COLUMNS = [QT_TRANSLATE_NOOP("AlertsView", "Time"), QT_TRANSLATE_NOOP("AlertsView", "Severity"),
           QT_TRANSLATE_NOOP("AlertsView", "Camera"), QT_TRANSLATE_NOOP("AlertsView", "Alert"),
           QT_TRANSLATE_NOOP("AlertsView", "Acknowledged"), QT_TRANSLATE_NOOP("AlertsView", "State")]
#: severities as the list shows them (alerts carry the English word)
SEVERITY_NAMES = {"critical": QT_TRANSLATE_NOOP("AlertsView", "critical"),
                  "warning": QT_TRANSLATE_NOOP("AlertsView", "warning"),
                  "info": QT_TRANSLATE_NOOP("AlertsView", "info")}
SHOW_ALL, SHOW_ACTIVE, SHOW_RESOLVED = "All", "Active", "Resolved"


class AlertsView(QWidget):
    acknowledge_requested = Signal(list)

    #: an alert was chosen in the list (its id)
    opened = Signal(str)

    def __init__(self, controller: AlertsController,
                 camera_name: Callable[[str], str] = str, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        #: the name a person knows a camera by; ids are for logs
        self.camera_name = camera_name
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr(c) for c in COLUMNS])
        self.tree.headerItem().setToolTip(CAMERA_COLUMN, self.tr("click a camera to show it"))
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # the alert text takes the room the others leave; they are as wide as what they show
        header = self.tree.header()
        header.setStretchLastSection(False)
        for col in range(len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TEXT_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.tree.itemClicked.connect(self._clicked)
        self.ack_button = QPushButton(self.tr("Acknowledge selected"))
        self.ack_button.clicked.connect(self._ack_selected)
        self.ack_all_button = QPushButton(self.tr("Acknowledge all"))
        self.ack_all_button.clicked.connect(self._ack_all)
        self.badge = QLabel()
        self.active_label = QLabel()
        self.show_filter = QComboBox()
        for show, text in ((SHOW_ALL, self.tr("All")), (SHOW_ACTIVE, self.tr("Active")),
                           (SHOW_RESOLVED, self.tr("Resolved"))):
            self.show_filter.addItem(text, show)
        self.show_filter.setToolTip(self.tr("which alerts to list"))
        self.show_filter.currentTextChanged.connect(self.refresh)
        self.note = QLabel()
        self.note.setStyleSheet("color:#d04040;")
        buttons = QHBoxLayout()
        # the filter first: counters changing width never move it
        buttons.addWidget(QLabel(self.tr("Show")))
        buttons.addWidget(self.show_filter)
        buttons.addSpacing(12)
        buttons.addWidget(self.badge)
        buttons.addWidget(self.active_label)
        buttons.addStretch(1)
        buttons.addWidget(self.note)
        buttons.addWidget(self.ack_button)
        buttons.addWidget(self.ack_all_button)
        col = QVBoxLayout(self)
        col.addLayout(buttons)
        col.addWidget(self.tree)
        #: the alert last opened, kept current across refreshes
        self.opened_id: str | None = None
        self.tree.currentItemChanged.connect(self._opened)
        self.acknowledge_requested.connect(controller.acknowledge_slot)
        controller.changed.connect(self.refresh)
        controller.error.connect(self.note.setText)
        self.refresh()

    def refresh(self) -> None:
        # rebuilding the rows is not the operator choosing one: no alert opens by itself
        blocker = QSignalBlocker(self.tree)
        selected = {i.data(0, _ID) for i in self.tree.selectedItems()}
        self.tree.clear()
        show = self.show_filter.currentData()
        for alert in self.controller.by_priority():
            if (show == SHOW_ACTIVE and not alert.active) or (
                    show == SHOW_RESOLVED and alert.active):
                continue
            acked = "" if not alert.acknowledged else (
                self.tr("{person} at {time}").format(person=alert.acked_by,
                                                     time=clock(alert.acked_at))
                if alert.acked_at else str(alert.acked_by))
            if alert.ack_note:
                acked += f": {alert.ack_note}"
            state = self.tr("active") if alert.active else (
                self.tr("resolved {time}").format(time=clock(alert.resolved_at))
                if alert.resolved_at else self.tr("resolved"))
            severity = SEVERITY_NAMES.get(alert.severity)
            item = QTreeWidgetItem([clock(alert.at), self.tr(severity) if severity else alert.severity,
                                    self.camera_name(alert.camera_id) if alert.camera_id
                                    else "", alert.text, acked, state])
            item.setData(0, _ID, alert.alert_id)
            item.setToolTip(TEXT_COLUMN, alert.text)
            item.setToolTip(ACKED_COLUMN, alert.ack_note)
            item.setToolTip(STATE_COLUMN, alert.resolution)
            if alert.camera_id:
                item.setToolTip(CAMERA_COLUMN, self.tr("{camera}: click to show it").format(
                    camera=alert.camera_id))
            color = SEVERITY_COLORS.get(alert.severity, SEVERITY_COLORS["info"])
            if alert.acknowledged and not alert.active:
                # nobody needs to look at it any more: an ordinary row in the list's own colours,
                # its severity still in its colour
                item.setForeground(1, QBrush(color.lighter(160)))
            else:
                # acknowledged or over, but not both: a darker band, its text as readable
                if alert.acknowledged or not alert.active:
                    color = color.darker(160)
                for c in range(len(COLUMNS)):
                    item.setBackground(c, QBrush(color))
                    item.setForeground(c, QBrush(QColor(240, 240, 240)))
            self.tree.addTopLevelItem(item)
            item.setSelected(alert.alert_id in selected)
            if alert.alert_id == self.opened_id:  # the same alert stays current
                self.tree.setCurrentItem(item, 0, QItemSelectionModel.SelectionFlag.NoUpdate)
        blocker.unblock()
        active = self.controller.active
        self.active_label.setText(self.tr("{n} active").format(n=active) if active
                                  else self.tr("none active"))
        n = self.controller.unacknowledged
        self.badge.setText(self.tr("{n} unacknowledged").format(n=n) if n
                           else self.tr("all acknowledged"))
        self.badge.setStyleSheet("background:#c23b3b; color:white; border-radius:8px; padding:1px 8px;"
                                 if n else "color:#888;")

    def _opened(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if item is not None:
            self.opened_id = item.data(0, _ID)
            self.opened.emit(self.opened_id)

    def _clicked(self, item: QTreeWidgetItem, column: int) -> None:
        if column == CAMERA_COLUMN:  # elsewhere a click only selects, for acknowledging many
            self.controller.request_camera(item.data(0, _ID))

    def _ack_selected(self) -> None:
        self.note.clear()
        self.acknowledge_requested.emit([i.data(0, _ID) for i in self.tree.selectedItems()])

    def _ack_all(self) -> None:
        self.note.clear()
        self.acknowledge_requested.emit([a.alert_id for a in self.controller.newest_first()])
