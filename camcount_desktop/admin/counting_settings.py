"""The zone editor's counting settings: how lines decide a crossing, for every line of the camera.

A thin view over ``ZoneDraft.settings``; each widget writes its setting back at once and the
canvas redraws (the dead band is drawn around every line). Ranges and defaults are the
contract's (workers/contracts/zones.py).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QSpinBox, QWidget

from camcount_desktop.admin.zone_draft import ZoneDraft
from workers.contracts.zones import ZoneSet

ANCHORS = {"bottom_center": QT_TRANSLATE_NOOP("CountingSettings", "feet"),
           "center": QT_TRANSLATE_NOOP("CountingSettings", "box centre"),
           "top_center": QT_TRANSLATE_NOOP("CountingSettings", "head")}


def _limits(name: str) -> tuple[float, float]:
    lo = hi = None
    for m in ZoneSet.model_fields[name].metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    return lo, hi


class CountingSettings(QGroupBox):
    def __init__(self, on_change: Callable[[], None], parent: QWidget | None = None):
        super().__init__(parent)
        self.setTitle(self.tr("Counting (all lines)"))
        self._draft: ZoneDraft | None = None
        self._on_change = on_change
        self.anchor = QComboBox()
        for key, text in ANCHORS.items():
            self.anchor.addItem(self.tr(text), key)
        self.anchor.setToolTip(self.tr("The point of each box that crosses lines and is inside "
                                       "zones: the feet (bottom centre), the box centre or the head "
                                       "(top centre)"))
        self.anchor.currentIndexChanged.connect(
            lambda _: self._set("anchor", self.anchor.currentData()))
        self.hysteresis = self._int("hysteresis_frames", self.tr(" frames"),
                                    self.tr("Frames beyond the dead band on the new side before a "
                                            "crossing counts"))
        self.dead_band = QDoubleSpinBox()
        lo, hi = _limits("line_dead_band")
        self.dead_band.setRange(100 * lo, 100 * hi)
        self.dead_band.setSingleStep(0.5)
        self.dead_band.setDecimals(1)
        self.dead_band.setSuffix(self.tr(" % of width"))
        self.dead_band.setToolTip(
            self.tr("A band this wide on each side of every line (shaded on the picture) where a "
                    "person is on neither side: standing on the line and swaying over it never "
                    "counts"))
        self.dead_band.valueChanged.connect(lambda v: self._set("line_dead_band", v / 100))
        self.confirm = self._int("min_track_frames", self.tr(" frames"),
                                 self.tr("A track counts only once seen on this many frames, so a "
                                         "detection that flickers for a frame or two never counts"))
        self.rejoin_seconds = self._float("rejoin_seconds", self.tr(" s"), 0.5, 1,
                                          self.tr("How long a person the tracker lost (hidden "
                                                  "behind someone) is remembered, so that a new "
                                                  "track id where they were heading continues "
                                                  "them and is not counted again; 0 turns this off"))
        self.rejoin_distance = self._float("rejoin_distance", self.tr(" × height"), 0.1, 1,
                                           self.tr("How far from where a lost person was heading a "
                                                   "new track may appear to continue them, in "
                                                   "person heights"))
        self.appear_distance = self._float(
            "appear_distance", self.tr(" × height"), 0.05, 2,
            self.tr("A person first seen this close to a line who walks away from it crossed it "
                    "unseen (hidden behind someone, or lost by the tracker on the line) and is "
                    "counted; 0 turns this off"))
        form = QFormLayout(self)
        form.addRow(self.tr("Anchor"), self.anchor)
        form.addRow(self.tr("Crossing counts after"), self.hysteresis)
        form.addRow(self.tr("Dead band"), self.dead_band)
        form.addRow(self.tr("New tracks count after"), self.confirm)
        form.addRow(self.tr("Remember lost people"), self.rejoin_seconds)
        form.addRow(self.tr("Rejoin within"), self.rejoin_distance)
        form.addRow(self.tr("Appears near a line"), self.appear_distance)

    def _int(self, name: str, suffix: str, tip: str) -> QSpinBox:
        box = QSpinBox()
        lo, hi = _limits(name)
        box.setRange(int(lo), int(hi))
        box.setSuffix(suffix)
        box.setToolTip(tip)
        box.valueChanged.connect(lambda v: self._set(name, v))
        return box

    def _float(self, name: str, suffix: str, step: float, decimals: int, tip: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        lo, hi = _limits(name)
        box.setRange(lo, hi)
        box.setSingleStep(step)
        box.setDecimals(decimals)
        box.setSuffix(suffix)
        box.setToolTip(tip)
        box.valueChanged.connect(lambda v: self._set(name, v))
        return box

    def show_draft(self, draft: ZoneDraft | None) -> None:
        """Show ``draft``'s settings (after loading or importing) without writing them back."""
        self._draft = None
        self.setEnabled(draft is not None)
        if draft is not None:
            st = draft.settings
            self.anchor.setCurrentIndex(self.anchor.findData(st["anchor"]))
            self.hysteresis.setValue(int(st["hysteresis_frames"]))
            self.dead_band.setValue(100 * float(st["line_dead_band"]))
            self.confirm.setValue(int(st["min_track_frames"]))
            self.rejoin_seconds.setValue(float(st["rejoin_seconds"]))
            self.rejoin_distance.setValue(float(st["rejoin_distance"]))
            self.appear_distance.setValue(float(st["appear_distance"]))
        self._draft = draft

    def _set(self, name: str, value: object) -> None:
        if self._draft is not None and self._draft.settings.get(name) != value:
            self._draft.settings[name] = value
            self._on_change()
