"""Admin → Sites: a site is a named set of doors (a camera's line, and which of its directions
enters) and zones, maybe on several cameras, with its own occupancy settings and maximum. Saved
to the analytics worker; every value it refuses is explained at its field, by the same model it
reads (``workers.contracts.sites.Site``)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from camcount_desktop.admin.form_fields import ERROR_STYLE, FieldForm, field_errors
from camcount_desktop.admin.occupancy_form import OccupancyForm
from camcount_desktop.admin.pick_list import PickList
from camcount_desktop.console import Console
from camcount_desktop.sites.controller import SitesController
from workers.contracts.sites import Site

_ID = Qt.ItemDataRole.UserRole
#: a door's pick-list id: camera, line and the direction that enters, one line apart
_SEP = "\n"


def door_key(camera_id: str, line_id: str, entering: str) -> str:
    return _SEP.join((camera_id, line_id, entering))


def site_id_for(name: str) -> str:
    """An id from a name: what the id field is filled with for a new site."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name.strip()).strip("-").lower()[:64]


class SiteEditor(QDialog):
    def __init__(self, console: Console, sites: SitesController, parent: QWidget | None = None):
        super().__init__(parent)
        self.console, self.controller = console, sites
        self.setWindowTitle(self.tr("Sites"))
        #: the stored id of the site in the form (None: a new one)
        self.editing: str | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

        self.list = QListWidget()
        self.add_button = QPushButton(self.tr("Add site"))
        self.delete_button = QPushButton(self.tr("Delete"))
        left = QVBoxLayout()
        left.addWidget(QLabel(self.tr("Sites")))
        left.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.delete_button)
        left.addLayout(buttons)

        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("e.g. Shop floor"))
        self.id = QLineEdit()
        self.doors = PickList(self.tr("the cameras have no lines"))
        self.doors.setMaximumHeight(170)
        self.zones = PickList(self.tr("the cameras have no zones"))
        self.occupancy = OccupancyForm(lambda _: None)
        self.max_occupancy = QSpinBox()
        self.max_occupancy.setRange(0, 1_000_000)
        self.max_occupancy.setSpecialValueText(self.tr("no limit"))
        self.form = f = FieldForm()
        f.add("name", self.tr("Name"), self.name)
        f.add("id", self.tr("Site id"), self.id)
        f.add("doors", self.tr("Doors"), self.doors,
              self.tr("a line of a camera, and which way across it enters the site"))
        f.add("zones", self.tr("Zones"), self.zones,
              self.tr("people in these zones are inside the site too"))
        f.add("occupancy", self.tr("Occupancy"), self.occupancy)
        f.add("max_occupancy", self.tr("Maximum occupancy"), self.max_occupancy,
              self.tr("the limit the site's alert rules use unless they set their own"))
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.save_button = QPushButton(self.tr("Save site"))
        self.save_button.setDefault(True)
        right = QVBoxLayout()
        right.addLayout(f.layout)
        right.addStretch(1)  # the rows keep their height; the room left goes under them
        right.addWidget(self.error)
        right.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)
        row = QHBoxLayout(self)
        row.addLayout(left, 1)
        row.addLayout(right, 3)
        self.resize(1000, 720)

        self.list.currentItemChanged.connect(self._picked)
        self.add_button.clicked.connect(self.new_site)
        self.delete_button.clicked.connect(self._confirm_delete)
        self.save_button.clicked.connect(self._start_save)
        self.name.textEdited.connect(self._name_edited)
        sites.changed.connect(self._fill_list)
        sites.message.connect(lambda text, _level: self.error.setText(text))
        self.loaded = self._spawn(sites.load())
        self._fill_list()

    # -- what there is to pick ------------------------------------------------------------------
    def _shapes(self, kind: str) -> list[tuple[str, str, str]]:
        """(camera, shape id, label) of every known camera's current lines or zones."""
        console, found = self.console, []
        for cid in sorted(console.cameras.cameras):
            zones = console.wall.state(cid).zones if cid in console.wall.states else None
            for shape in getattr(zones, kind) if zones else []:
                found.append((cid, shape.id, shape.label))
        return found

    def _fill_options(self, site: Site | None) -> None:
        doors, where = [], self.console.cameras.name_of
        for cid, line, label in self._shapes("lines"):
            for entering in ("in", "out"):
                doors.append((door_key(cid, line, entering), self.tr(
                    "{line} on {camera}: its '{way}' crossing enters").format(
                        line=label, camera=where(cid), way=entering)))
        self.doors.set_options(doors, [door_key(d.camera_id, d.line_id, d.entering)
                                       for d in site.doors] if site else [])
        self.zones.set_options(
            [(f"{cid}{_SEP}{zone}", self.tr("{zone} on {camera}").format(zone=label,
                                                                        camera=where(cid)))
             for cid, zone, label in self._shapes("zones")],
            [f"{z.camera_id}{_SEP}{z.zone_id}" for z in site.zones] if site else [])

    # -- the list -------------------------------------------------------------------------------
    def _fill_list(self) -> None:
        keep = self.editing
        self.list.blockSignals(True)
        self.list.clear()
        for site in self.controller.sites:
            item = QListWidgetItem(site.name)
            item.setData(_ID, site.id)
            item.setToolTip(site.id)
            self.list.addItem(item)
            if site.id == keep:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        if self.list.currentItem() is None:
            if self.list.count():
                self.list.setCurrentRow(0)
            elif keep is None:
                self.new_site()
        self.delete_button.setEnabled(self.list.currentItem() is not None)

    def _picked(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.show_site(self.controller.by_id(item.data(_ID)))

    def new_site(self) -> None:
        self.list.clearSelection()
        self.list.setCurrentItem(None)
        self.show_site(None)
        self.name.setFocus()

    def show_site(self, site: Site | None) -> None:
        self.editing = site.id if site else None
        self.name.setText(site.name if site else "")
        self.id.setText(site.id if site else "")
        self._fill_options(site)
        self.occupancy.show_settings(site.occupancy if site else None)
        self.max_occupancy.setValue(site.max_occupancy or 0 if site else 0)
        self.form.show_errors({})
        self.error.clear()
        self.delete_button.setEnabled(site is not None)

    def _name_edited(self, text: str) -> None:
        if self.editing is None:  # a new site's id follows its name until saved
            self.id.setText(site_id_for(text))

    # -- saving ---------------------------------------------------------------------------------
    def site(self) -> Site | None:
        """The site as typed, or None with every refused value explained at its field."""
        doors = [dict(zip(("camera_id", "line_id", "entering"), key.split(_SEP), strict=True))
                 for key in self.doors.picked()]
        zones = [dict(zip(("camera_id", "zone_id"), key.split(_SEP), strict=True))
                 for key in self.zones.picked()]
        data = {"id": self.id.text().strip(), "name": self.name.text().strip(), "doors": doors,
                "zones": zones, "occupancy": self.occupancy.settings() or {},
                "max_occupancy": self.max_occupancy.value() or None}
        try:
            site = Site.model_validate(data)
        except ValidationError as exc:
            errors = field_errors(exc, depth=1)
            if "" in errors:  # no door and no zone, or a door twice
                errors["doors"] = errors.pop("")
            self.form.show_errors(errors)
            return None
        self.form.show_errors({})
        return site

    def _start_save(self) -> None:
        site = self.site()
        if site is None:
            self.error.setText(self.tr("Correct the fields marked in red"))
            return
        self.error.clear()
        self.save_button.setEnabled(False)
        self._spawn(self.save(site))

    async def save(self, site: Site) -> str | None:
        why = await self.controller.save(site, self.editing)
        self.save_button.setEnabled(True)
        if why is None:
            self.editing = site.id
            self._fill_list()
        else:
            self.error.setText(why)
        return why

    def _confirm_delete(self) -> None:
        site = self.controller.by_id(self.editing or "")
        if site is None:
            return
        if QMessageBox.question(self, self.tr("Delete site"), self.tr(
                "Delete the site {name}? Its alert rules no longer watch it.").format(
                    name=site.name)) == QMessageBox.StandardButton.Yes:
            self._spawn(self.delete(site.id))

    async def delete(self, site_id: str) -> str | None:
        why = await self.controller.delete(site_id)
        if why is None:
            self.editing = None
            self._fill_list()
        else:
            self.error.setText(why)
        return why

    def _spawn(self, coro) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
