"""The main window's Admin menu: Cameras…, Zones of a camera, Sites… and Alert rules and targets…,
disabled (with the reason in the menu and the status bar) for an account the broker does not let
change them."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu

from camcount_desktop.admin.alerting_controller import AlertingController
from camcount_desktop.admin.alerting_view import AlertingDialog
from camcount_desktop.admin.camera_admin_controller import CameraAdminController
from camcount_desktop.admin.camera_admin_view import CameraAdminDialog
from camcount_desktop.admin.permissions import AdminAccess
from camcount_desktop.admin.site_editor import SiteEditor
from camcount_desktop.admin.zone_editor import ZoneEditor
from camcount_desktop.console import Console
from camcount_desktop.screen_fit import fit_to_screen
from camcount_desktop.tooltips import wrapped


class AdminMenu(QObject):
    def __init__(self, window: QMainWindow, console: Console):
        super().__init__(window)
        self.window, self.console = window, console
        self.access = AdminAccess(console, self)
        self.cameras = CameraAdminController(console, self.access, self)
        self.menu = window.menuBar().addMenu(self.tr("&Admin"))
        self.menu.setToolTipsVisible(True)
        self.cameras_action = self.menu.addAction(self.tr("&Cameras…"), self.open_cameras)
        self.zones_menu = QMenu(self.tr("&Zones of"), self.menu)
        self.zones_menu.aboutToShow.connect(self._fill_zones_menu)
        self.zones_action = self.menu.addMenu(self.zones_menu)
        self.sites_action = self.menu.addAction(self.tr("&Sites…"), self.open_sites)
        self.alerting = AlertingController(console, self.access, self)
        self.alerting_action = self.menu.addAction(self.tr("Alert &rules and targets…"),
                                                   self.open_alerting)
        self.access_label = QLabel()
        window.statusBar().addPermanentWidget(self.access_label)
        self.access.changed.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        allowed = self.access.allowed is not False
        for action in (self.cameras_action, self.zones_action, self.sites_action,
                       self.alerting_action):
            action.setEnabled(allowed)
            action.setToolTip("" if allowed else wrapped(self.access.reason))
        self.access_label.setText("" if allowed else self.tr("Admin actions: not allowed for this "
                                                             "account"))
        self.access_label.setToolTip(wrapped(self.access.reason))
        self.access_label.setStyleSheet("" if allowed else "color:#ff6b6b; padding:0 6px;")

    def _fill_zones_menu(self) -> None:
        self.zones_menu.clear()
        ids = sorted(self.console.cameras.cameras)
        for cid in ids:
            self.zones_menu.addAction(self.console.cameras.cameras[cid].name or cid,
                                      lambda c=cid: self.open_zones(c))
        if not ids:
            self.zones_menu.addAction(self.tr("(no cameras yet)")).setEnabled(False)

    def open_cameras(self) -> CameraAdminDialog:
        dialog = CameraAdminDialog(self.cameras, self.open_zones, self.window)
        dialog.show()
        return dialog

    def open_sites(self) -> SiteEditor:
        dialog = SiteEditor(self.console, self.console.sites, self.window)
        dialog.show()
        return dialog

    def open_alerting(self) -> AlertingDialog:
        dialog = AlertingDialog(self.alerting, self.window)
        dialog.show()
        return dialog

    def open_zones(self, camera_id: str) -> ZoneEditor:
        editor = ZoneEditor(self.console, self.access, camera_id, self.window)
        fit_to_screen(editor, 1280, 800)
        editor.show()
        return editor
