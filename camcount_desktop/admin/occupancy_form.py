"""A zone's (or a site's) occupancy settings: closing-time reset, never below zero, and the
average visit that corrects the figure (``OccupancySettings``; docs/analytics.md)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTime
from PySide6.QtWidgets import QCheckBox, QFormLayout, QSpinBox, QTimeEdit, QWidget

from camcount_desktop.admin.zone_draft import Shape
from workers.contracts.zones import OccupancySettings


class OccupancyForm(QWidget):
    """Shown for a zone in the zone editor, and for a site in the site editor;
    ``changed(settings or None)`` after each edit."""

    def __init__(self, changed: Callable[[OccupancySettings | None], None],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self._changed = changed
        self._showing = False
        self.reset = QCheckBox(self.tr("Reset daily at"))
        self.reset_at = QTimeEdit(QTime(22, 0))
        self.reset_at.setDisplayFormat("HH:mm")
        self.floor = QCheckBox(self.tr("Never below zero"))
        self.visit = QSpinBox()
        self.visit.setRange(0, 1440)
        self.visit.setSuffix(self.tr(" min"))
        self.visit.setSpecialValueText(self.tr("not set"))
        self.visit.setToolTip(self.tr("The average visit: given, analytics keeps an occupancy "
                                      "corrected by it (Little's law) beside the counted one"))
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.reset, self.reset_at)
        form.addRow("", self.floor)
        form.addRow(self.tr("Average visit"), self.visit)
        for signal in (self.reset.toggled, self.reset_at.timeChanged, self.floor.toggled,
                       self.visit.valueChanged):
            signal.connect(self._edited)
        self.show_shape(None)

    def show_shape(self, shape: Shape | None) -> None:
        """The settings of ``shape`` (disabled unless it is a zone)."""
        self.show_settings(shape.occupancy if shape is not None else None,
                           shape is not None and shape.kind == "zone")

    def show_settings(self, settings: OccupancySettings | None, enabled: bool = True) -> None:
        self._showing = True
        # kept whole: what the form does not show (the correction's margin, a visit given in
        # seconds) must survive an edit of what it shows
        s = self._shown = settings or OccupancySettings()
        self.reset.setChecked(s.reset_at is not None)
        if s.reset_at is not None:
            hh, mm = map(int, s.reset_at.split(":"))
            self.reset_at.setTime(QTime(hh, mm))
        self.floor.setChecked(s.never_below_zero)
        self.visit.setValue(round((s.mean_visit_seconds or 0) / 60))
        self.setEnabled(enabled)
        self.reset_at.setEnabled(self.reset.isChecked())
        self._showing = False

    def settings(self) -> OccupancySettings | None:
        """None when every setting is the default (the zone JSON then has none)."""
        shown = self._shown
        visit = shown.mean_visit_seconds
        if self.visit.value() != round((visit or 0) / 60):
            visit = self.visit.value() * 60 or None
        s = shown.model_copy(update={
            "reset_at": self.reset_at.time().toString("HH:mm") if self.reset.isChecked() else None,
            "never_below_zero": self.floor.isChecked(), "mean_visit_seconds": visit})
        return None if s == OccupancySettings() else s

    def _edited(self) -> None:
        self.reset_at.setEnabled(self.reset.isChecked())
        if not self._showing:
            self._changed(self.settings())
