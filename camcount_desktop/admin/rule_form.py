"""One alert rule: its kind decides which fields show; every refused value is explained at its
field, by the same model the rule engine reads (``workers.contracts.alerting``)."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import TypeAdapter, ValidationError
from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from camcount_desktop.admin.alerting_controller import AlertingController, Refusal
from camcount_desktop.admin.edit_form import ConfigEditForm
from camcount_desktop.admin.form_fields import FieldForm, field_errors, number, words
from camcount_desktop.admin.pick_list import PickList
from workers.contracts.alerting import AlertRule

RULE = TypeAdapter(AlertRule)
KINDS = {"zone_occupancy": QT_TRANSLATE_NOOP("RuleForm", "Zone occupancy"),
         "site_occupancy": QT_TRANSLATE_NOOP("RuleForm", "Site occupancy"),
         "crossings": QT_TRANSLATE_NOOP("RuleForm", "Line crossings"),
         "camera_offline": QT_TRANSLATE_NOOP("RuleForm", "Camera offline"),
         "worker_silent": QT_TRANSLATE_NOOP("RuleForm", "Worker silent"),
         "queue_depth": QT_TRANSLATE_NOOP("RuleForm", "Queue depth"),
         "error_queue_growing": QT_TRANSLATE_NOOP("RuleForm", "Error queue growing"),
         "route": QT_TRANSLATE_NOOP("RuleForm", "Route")}
#: the fields of each kind, besides those every rule has
KIND_FIELDS = {
    "zone_occupancy": ("cameras", "zones", "above", "for_seconds", "hysteresis", "stale_seconds"),
    "site_occupancy": ("sites", "above", "for_seconds", "hysteresis", "stale_seconds"),
    "crossings": ("cameras", "lines", "direction", "period_seconds", "above", "below"),
    "camera_offline": ("cameras", "for_seconds"),
    "worker_silent": ("roles", "for_seconds"),
    "queue_depth": ("queues", "above", "for_seconds"),
    "error_queue_growing": ("min_growth", "period_seconds"),
    "route": ("cameras", "routes", "period_seconds", "above"),
}
LISTS = ("roles", "queues")
#: picked from what there is: the cameras, the lines, zones and routes of their zone sets, and
#: the stored sites
PICKED = ("cameras", "zones", "lines", "routes", "sites")
NUMBERS = ("above", "below", "for_seconds", "stale_seconds", "period_seconds", "min_growth",
           "cooldown_seconds", "hysteresis")


class RuleForm(ConfigEditForm):
    def __init__(self, controller: AlertingController, rule: AlertRule | None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.controller, self.original = controller, rule
        self.setWindowTitle(self.tr("Edit rule {rule}").format(rule=rule.id) if rule
                            else self.tr("Add alert rule"))
        d: dict[str, Any] = rule.model_dump() if rule else {}
        self.id = QLineEdit(d.get("id", ""))
        self.name = QLineEdit(d.get("name", ""))
        self.kind = QComboBox()
        for kind, label in KINDS.items():
            self.kind.addItem(self.tr(label), kind)
        self.kind.setCurrentIndex(list(KINDS).index(d.get("kind", "zone_occupancy")))
        self.enabled = QCheckBox(self.tr("Enabled"), checked=d.get("enabled", True))
        self.severity = QComboBox()
        for value, text in (("info", self.tr("info")), ("warning", self.tr("warning")),
                            ("critical", self.tr("critical"))):
            self.severity.addItem(text, value)
        self.severity.setCurrentIndex(self.severity.findData(d.get("severity", "warning")))
        self.direction = QComboBox()
        for value, text in (("both", self.tr("both")), ("in", self.tr("in")), ("out", self.tr("out"))):
            self.direction.addItem(text, value)
        self.direction.setCurrentIndex(self.direction.findData(d.get("direction", "both")))
        self.lists = {k: QLineEdit(", ".join(d.get(k, []))) for k in LISTS}
        self.picks = {
            "cameras": PickList(self.tr("no cameras known yet")),
            "zones": PickList(self.tr("the picked cameras have no zones")),
            "lines": PickList(self.tr("the picked cameras have no lines")),
            "routes": PickList(self.tr("the picked cameras have no routes")),
            "sites": PickList(self.tr("no sites yet: add them in Admin → Sites…"))}
        self.picks["cameras"].set_options(self._camera_options(), d.get("cameras", []))
        for key in ("zones", "lines", "routes"):
            self.picks[key].set_options(self._shape_options(key), d.get(key, []))
        self.picks["cameras"].picked_changed.connect(self._cameras_picked)
        sites = controller.console.sites
        self._fill_sites(d.get("sites", []))
        sites.changed.connect(self._fill_sites)
        if not sites.loaded:
            self._loading_sites = asyncio.get_running_loop().create_task(sites.load())
        self.numbers = {k: QLineEdit("" if d.get(k) is None else f"{d[k]:g}") for k in NUMBERS}
        self.targets = QListWidget()
        self.targets.setMaximumHeight(110)
        config = controller.config
        for target in config.targets if config else []:
            item = QListWidgetItem(f"{target.id} ({target.channel})")
            item.setData(Qt.ItemDataRole.UserRole, target.id)
            item.setCheckState(Qt.CheckState.Checked if target.id in d.get("targets", [])
                               else Qt.CheckState.Unchecked)
            self.targets.addItem(item)
        self.notify_resolved = QCheckBox(self.tr("Also tell the targets when it is resolved"),
                                         checked=d.get("notify_resolved", True))

        self.form = f = FieldForm()
        f.add("id", self.tr("Rule id"), self.id)
        f.add("name", self.tr("Name"), self.name)
        f.add("kind", self.tr("Kind"), self.kind)
        f.add("enabled", "", self.enabled)
        f.add("severity", self.tr("Severity"), self.severity)
        f.add("cameras", self.tr("Cameras"), self.picks["cameras"],
              self.tr("none ticked: every camera"))
        f.add("zones", self.tr("Zones"), self.picks["zones"],
              self.tr("of the ticked cameras; none ticked: every zone"))
        f.add("lines", self.tr("Lines"), self.picks["lines"],
              self.tr("of the ticked cameras; none ticked: every line"))
        f.add("routes", self.tr("Routes"), self.picks["routes"],
              self.tr("of the ticked cameras; none ticked: every route"))
        f.add("sites", self.tr("Sites"), self.picks["sites"], self.tr("none ticked: every site"))
        f.add("direction", self.tr("Direction"), self.direction)
        f.add("roles", self.tr("Worker roles"), self.lists["roles"],
              self.tr("e.g. detector, camera; empty: all"))
        f.add("queues", self.tr("Queues"), self.lists["queues"],
              self.tr("e.g. camera.detection.results"))
        f.add("above", self.tr("More than"), self.numbers["above"])
        f.add("below", self.tr("Fewer than"), self.numbers["below"])
        f.add("min_growth", self.tr("Grown by at least"), self.numbers["min_growth"])
        f.add("period_seconds", self.tr("Within (s)"), self.numbers["period_seconds"])
        f.add("for_seconds", self.tr("For at least T (s)"), self.numbers["for_seconds"],
              self.tr("a shorter blip raises nothing"))
        f.add("hysteresis", self.tr("Hysteresis (people)"), self.numbers["hysteresis"],
              self.tr("once raised, over only at 'More than' minus this, or fewer"))
        f.add("stale_seconds", self.tr("No data after (s)"), self.numbers["stale_seconds"])
        f.add("cooldown_seconds", self.tr("Cooldown (s)"), self.numbers["cooldown_seconds"],
              self.tr("after an alert, none for the same subject within this time"))
        f.add("targets", self.tr("Notify"), self.targets)
        f.add("notify_resolved", "", self.notify_resolved)
        self._finish(f)
        self.kind.currentIndexChanged.connect(self._show_kind_fields)
        self._show_kind_fields()

    # -- what there is to pick ------------------------------------------------------------------
    def _camera_options(self) -> list[tuple[str, str]]:
        cameras = self.controller.console.cameras.cameras
        return sorted(((cid, info.name or cid) for cid, info in cameras.items()),
                      key=lambda o: o[1].lower())

    def _shape_options(self, key: str) -> list[tuple[str, str]]:
        """The zones (lines, routes) of the ticked cameras' current zone sets (of every camera while
        none is ticked), by name; one entry per id (a rule names shapes by id)."""
        console = self.controller.console
        cameras = self.picks["cameras"].picked() or sorted(console.cameras.cameras)
        labels: dict[str, list[str]] = {}
        for cid in cameras:
            zones = console.wall.state(cid).zones if cid in console.wall.states else None
            for shape in getattr(zones, key) if zones else []:
                where = console.cameras.name_of(cid)
                labels.setdefault(shape.id, []).append(
                    shape.label if len(cameras) == 1 else f"{shape.label} ({where})")
        return sorted(((sid, ", ".join(names)) for sid, names in labels.items()),
                      key=lambda o: o[1].lower())

    def _fill_sites(self, picked: list[str] | None = None) -> None:
        """The stored sites, by name (a rule names them by id)."""
        self.picks["sites"].set_options(
            sorted(((s.id, s.name) for s in self.controller.console.sites.sites),
                   key=lambda o: o[1].lower()), picked)

    def _cameras_picked(self) -> None:
        for key in ("zones", "lines", "routes"):
            self.picks[key].set_options(self._shape_options(key))

    def _show_kind_fields(self) -> None:
        mine = KIND_FIELDS[self.kind.currentData()]
        for key in {k for fields in KIND_FIELDS.values() for k in fields}:
            self.form.set_visible(key, key in mine)

    def rule(self) -> AlertRule | None:
        """The rule as typed, or None with every refused value explained at its field."""
        kind = self.kind.currentData()
        data: dict[str, Any] = {
            "kind": kind, "id": self.id.text().strip(), "name": self.name.text().strip(),
            "enabled": self.enabled.isChecked(), "severity": self.severity.currentData(),
            "notify_resolved": self.notify_resolved.isChecked(),
            "targets": [self.targets.item(i).data(Qt.ItemDataRole.UserRole)
                        for i in range(self.targets.count())
                        if self.targets.item(i).checkState() == Qt.CheckState.Checked]}
        if (cooldown := number(self.numbers["cooldown_seconds"])) is not None:
            data["cooldown_seconds"] = cooldown
        for key in KIND_FIELDS[kind]:
            if key in PICKED:
                data[key] = self.picks[key].picked()
            elif key in LISTS:
                data[key] = words(self.lists[key])
            elif key == "direction":
                data[key] = self.direction.currentData()
            elif (value := number(self.numbers[key])) is not None:
                data[key] = value
        try:
            rule = RULE.validate_python(data)
        except ValidationError as exc:
            errors = field_errors(exc, depth=1)
            if "" in errors:  # crossings: "give 'above', 'below' or both"
                errors["above"] = errors.pop("")
            self.form.show_errors(errors)
            return None
        self.form.show_errors({})
        return rule

    def value(self) -> AlertRule | None:
        return self.rule()

    async def send(self, rule: AlertRule) -> Refusal | None:
        return await self.controller.save_rule(
            rule, self.original.id if self.original else None, self.base_version)
