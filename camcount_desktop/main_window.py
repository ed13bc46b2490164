"""The main window: health bar over the live wall, cameras on the left, alerts, queues and dead
letters below. Closing it asks the session to shut down first (see app.py)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QSizePolicy,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from camcount_desktop.admin.menu import AdminMenu
from camcount_desktop.alerts.detail_view import AlertDetailView
from camcount_desktop.alerts.view import AlertsView
from camcount_desktop.analytics.view import AnalyticsView
from camcount_desktop.cameras.view import CamerasView
from camcount_desktop.console import Console
from camcount_desktop.dead_letters.view import DeadLetterView
from camcount_desktop.detection.controller import DetectionController
from camcount_desktop.detection.view import DetectionDialog
from camcount_desktop.health.view import HealthView
from camcount_desktop.queues.view import QueuesView
from camcount_desktop.settings import Settings
from camcount_desktop.settings_dialog import SettingsDialog, without_password
from camcount_desktop.wall.controller import LAYOUTS
from camcount_desktop.wall.view import WallView


class MainWindow(QMainWindow):
    #: the user closed the window; the session shuts down, then calls ``close_now()``
    close_requested = Signal()
    #: the user chose another broker in the settings dialog
    broker_change_requested = Signal(str)

    def __init__(self, console: Console, settings: Settings):
        super().__init__()
        self.console, self.settings = console, settings
        self._may_close = False
        mode = self.tr("local mode") if console.local else console.health.broker_label
        self.setWindowTitle(self.tr("CamCount — {mode}").format(mode=mode))

        self.health_view = HealthView(console.health)
        self.wall_view = WallView(console.wall)
        console.adapter.error.connect(lambda text: self.statusBar().showMessage(text, 15_000))
        self.wall_view.tile_resized.connect(
            lambda cam, w, h: console.adapter.set_decode_box(cam, (w, h)))
        central = QWidget()
        col = QVBoxLayout(central)
        col.setContentsMargins(2, 2, 2, 2)
        col.setSpacing(2)
        col.addWidget(self.health_view)
        col.addWidget(self.wall_view, 1)
        self.setCentralWidget(central)

        self.cameras_view = CamerasView(console.cameras, console.health.serves_group)
        console.health.changed.connect(self.cameras_view.refresh_all)
        self.cameras_view.unserved_changed.connect(console.wall.set_unserved)
        self.cameras_view.camera_activated.connect(console.wall.show_camera)
        cameras_dock = self._dock("cameras", self.tr("Cameras"), self.cameras_view,
                                  Qt.DockWidgetArea.LeftDockWidgetArea)

        self.alerts_view = AlertsView(console.alerts, console.cameras.name_of)
        console.cameras.renamed.connect(self.alerts_view.refresh)
        # an alert opened from the list: beside the wall, its snapshot over its camera live
        self.alert_detail = AlertDetailView(console.alerts, console.snapshots, console.wall,
                                            console.cameras.name_of)
        self.alert_detail.live_camera_changed.connect(console.pin_camera)
        self.alert_dock = self._dock("alert", self.tr("Alert"), self.alert_detail,
                                     Qt.DockWidgetArea.RightDockWidgetArea)
        # the opened alert takes the window's height on the right, the panels what is left
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.alert_dock.hide()
        self.alert_dock.visibilityChanged.connect(self._alert_dock_shown)
        self.alerts_view.opened.connect(self.open_alert)
        self.queues_view = QueuesView(console.queues)
        self.deadletter_view = DeadLetterView(console.dead_letters)
        # its own window, for a second screen: admins read charts while the wall stays in view
        self.analytics_view = AnalyticsView(console.analytics, console.reports, self,
                                            events=console.bucket_events,
                                            heatmaps=console.heatmaps, sites=console.sites)
        self.analytics_view.setWindowFlag(Qt.WindowType.Window)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.alerts_view, self.tr("Alerts"))
        self.tabs.addTab(self.queues_view, self.tr("Queues"))
        self.tabs.addTab(self.deadletter_view, self.tr("Dead letters"))
        panels_dock = self._dock("panels", self.tr("Panels"), self.tabs,
                                 Qt.DockWidgetArea.BottomDockWidgetArea)
        #: closed with their ×, they come back from the View menu (and stay closed across starts)
        self.reopenable_docks = [cameras_dock, panels_dock]
        # the wall gets the room; panels and the camera list keep a working size
        self.resizeDocks([panels_dock], [260], Qt.Orientation.Vertical)
        self.resizeDocks([cameras_dock], [self.cameras_view.minimumWidth()],
                         Qt.Orientation.Horizontal)

        self.detection = DetectionController(console, settings, parent=self)
        self.health_view.detector_clicked.connect(self.open_detection)

        self.alert_badge = QLabel()
        console.alerts.changed.connect(self._update_badge)
        self._build_actions()
        self.admin = AdminMenu(self, console)
        self._update_badge()
        self._restore_geometry()
        # the saved layout may have it open, but no alert is chosen at start: an empty pane
        self.alert_dock.hide()

    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{name}")  # saved window state finds docks by it, in any language
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_actions(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        file_menu.addAction(self.tr("&Settings…"), self.open_settings)
        file_menu.addAction(self.tr("&Detection settings…"), self.open_detection)
        quit_action = file_menu.addAction(self.tr("&Quit"), self.close)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)

        view = self.menuBar().addMenu(self.tr("&View"))
        toolbar = QToolBar(self.tr("Wall"))
        toolbar.setObjectName("toolbar-wall")
        self.addToolBar(toolbar)
        group = QActionGroup(self)
        self.layout_actions: dict[int, QAction] = {}
        for n in LAYOUTS:
            action = QAction(f"{n}×{n}", self, checkable=True)
            action.setShortcut(QKeySequence(f"Ctrl+{n}"))
            action.setToolTip(self.tr("{tiles} tiles (Ctrl+{n})").format(tiles=n * n, n=n))
            action.triggered.connect(lambda _=False, n=n: self.console.wall.set_layout(n))
            group.addAction(action)
            view.addAction(action)
            toolbar.addAction(action)
            self.layout_actions[n] = action
        self.console.wall.layout_changed.connect(self._sync_layout_actions)
        self._sync_layout_actions()
        view.addSeparator()
        boxes = QAction(self.tr("Boxes and track ids"), self, checkable=True, checked=True)
        boxes.setShortcut(QKeySequence("B"))
        boxes.toggled.connect(self.wall_view.set_show_boxes)
        view.addAction(boxes)
        toolbar.addAction(boxes)
        self.latency_action = QAction(self.tr("Latency in tile headers"), self, checkable=True)
        self.latency_action.setToolTip(self.tr(
            "How old each camera's picture is when it is shown: from the camera to the screen, "
            "with its boxes"))
        self.latency_action.toggled.connect(self.wall_view.set_show_latency)
        view.addAction(self.latency_action)
        full = QAction(self.tr("Full-screen window"), self, checkable=True)
        full.setShortcut(QKeySequence(Qt.Key.Key_F11))
        full.toggled.connect(lambda on: self.showFullScreen() if on else self.showNormal())
        view.addAction(full)
        sound = QAction(self.tr("Sound for critical alerts"), self, checkable=True,
                        checked=self.console.sound.enabled)
        sound.toggled.connect(self.console.sound.set_enabled)
        view.addAction(sound)
        self.sound_action = sound
        analytics = view.addAction(self.tr("&Analytics…"), self.open_analytics)
        analytics.setShortcut(QKeySequence("Ctrl+Shift+A"))
        view.addSeparator()
        for dock in self.reopenable_docks:
            view.addAction(dock.toggleViewAction())
        view.addAction(toolbar.toggleViewAction())
        toolbar.addSeparator()
        hint = self.tr("Double-click or F: tile full screen · Esc: back · drag cameras onto tiles")
        toolbar.addWidget(QLabel(f"  {hint}  "))
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        toolbar.addWidget(self.alert_badge)

    def _sync_layout_actions(self) -> None:
        self.layout_actions[self.console.wall.layout].setChecked(True)

    def _update_badge(self) -> None:
        n = self.console.alerts.unacknowledged
        self.tabs.setTabText(0, self.tr("Alerts ({n})").format(n=n) if n else self.tr("Alerts"))
        badge = self.tr("1 unacknowledged alert") if n == 1 else self.tr(
            "{n} unacknowledged alerts").format(n=n)
        self.alert_badge.setText(f" {badge} " if n else "")
        self.alert_badge.setStyleSheet("background:#c23b3b; color:white; border-radius:8px;"
                                       "font-weight:600; padding:2px 6px;" if n else "")

    def open_alert(self, alert_id: str) -> None:
        """Show an alert beside the wall: its snapshot, its camera live, acknowledging it."""
        self.alert_detail.show_alert(alert_id)
        if not self.alert_dock.isVisible():
            self.alert_dock.show()
            # a fifth of the window: the wall keeps most of it (sized once the dock is laid out)
            QTimer.singleShot(0, lambda: self.resizeDocks(
                [self.alert_dock], [max(300, self.width() // 5)], Qt.Orientation.Horizontal))

    def _alert_dock_shown(self, visible: bool) -> None:
        if not visible and not self.alert_dock.isVisible():  # closed: stop following its camera
            self.alert_detail.show_alert(None)
            self.alerts_view.opened_id = None

    def open_analytics(self) -> None:
        self.analytics_view.show()
        self.analytics_view.raise_()
        self.analytics_view.activateWindow()

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings.broker_url() or ("local" if self.console.local
                                                               else self.console.url), self,
                                language=self.settings.language())
        if dialog.exec():
            if dialog.chosen_language() != self.settings.language():
                self.settings.set_language(dialog.chosen_language())
                self.statusBar().showMessage(self.tr("The new language applies the next time the "
                                                     "console starts"), 10000)
            url = dialog.broker_url()
            self.settings.set_broker_url(without_password(url))
            self.broker_change_requested.emit(url)

    def open_detection(self) -> DetectionDialog:
        dialog = DetectionDialog(self.detection, self.console.health, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    # -- closing ------------------------------------------------------------------------------
    def _restore_geometry(self) -> None:
        geometry = self.settings.store.value("window/geometry")
        state = self.settings.store.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:  # a console's first start takes the screen it opens on, as far as it goes
            screen = self.screen().availableGeometry()
            self.resize(min(1600, screen.width()), min(1000, screen.height()))
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._may_close:
            event.accept()
            return
        event.ignore()  # the session stops workers and the connection first
        self.settings.store.setValue("window/geometry", self.saveGeometry())
        self.settings.store.setValue("window/state", self.saveState())
        self.detection.cancel()  # a download in progress leaves nothing behind
        self.setEnabled(False)
        self.statusBar().showMessage(self.tr("Shutting down…"))
        self.close_requested.emit()

    def close_now(self) -> None:
        self._may_close = True
        self.close()
