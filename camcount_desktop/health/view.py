"""The health bar: broker, detector in use, and one chip per worker, always on screen."""

from __future__ import annotations

import time

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtGui import QAction, QMouseEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from camcount_desktop.flow_layout import FlowLayout
from camcount_desktop.health.controller import HealthController
from camcount_desktop.i18n import number

COLORS = {"connected": "#2e9d4f", "running": "#2e9d4f", "reconnecting": "#c98a12",
          "starting": "#5a6b82", "connecting": "#5a6b82", "stopped": "#6b6b6b", "down": "#c23b3b",
          "gone": "#c23b3b",
          "missing": "#c23b3b", "fallback": "#c98a12", "yolo": "#2e9d4f"}
#: the words of the chips (workers and the bus report the English keys)
WORDS = {
    "connected": QT_TRANSLATE_NOOP("HealthView", "connected"),
    "connecting": QT_TRANSLATE_NOOP("HealthView", "connecting"),
    "reconnecting": QT_TRANSLATE_NOOP("HealthView", "reconnecting"),
    "down": QT_TRANSLATE_NOOP("HealthView", "down"),
    "running": QT_TRANSLATE_NOOP("HealthView", "running"),
    "starting": QT_TRANSLATE_NOOP("HealthView", "starting"),
    "stopped": QT_TRANSLATE_NOOP("HealthView", "stopped"),
    "gone": QT_TRANSLATE_NOOP("HealthView", "gone"),
    "missing": QT_TRANSLATE_NOOP("HealthView", "missing"),
    "camera": QT_TRANSLATE_NOOP("HealthView", "camera"),
    "detector": QT_TRANSLATE_NOOP("HealthView", "detector"),
    "analytics": QT_TRANSLATE_NOOP("HealthView", "analytics"),
    "notifier": QT_TRANSLATE_NOOP("HealthView", "notifier"),
    "alerts": QT_TRANSLATE_NOOP("HealthView", "alerts"),
    "mqtt": QT_TRANSLATE_NOOP("HealthView", "mqtt"),
}


def set_chip(label: QLabel, text: str, color: str, tooltip: str = "") -> None:
    label.setText(text)
    label.setToolTip(tooltip)
    label.setStyleSheet(f"background:{color}; color:white; border-radius:4px; padding:2px 8px;"
                        "font-weight:600;")


def chip(text: str, color: str, tooltip: str = "") -> QLabel:
    label = QLabel()
    set_chip(label, text, color, tooltip)
    return label


class ClickableChip(QLabel):
    clicked = Signal()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)


class HealthView(QWidget):
    #: the detector chip was clicked: the Detection page opens
    detector_clicked = Signal()

    def __init__(self, controller: HealthController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        # chips wrap to a second row rather than squeeze: each one reads whole at any width
        # (beside the docks and the alert pane of a 1280 px window), and the bar never widens
        # the window past its widest chip
        self._row = FlowLayout(self)
        self._row.setContentsMargins(4, 2, 4, 2)
        self.broker = chip("", COLORS["connecting"])
        self.detector = ClickableChip()
        self.detector.setCursor(Qt.CursorShape.PointingHandCursor)
        self.detector.clicked.connect(self.detector_clicked)
        self._row.addWidget(self.broker)
        self._row.addWidget(self.detector)
        self._workers: list[QLabel] = []
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        controller.changed.connect(self.refresh)
        self.refresh()

    def word(self, key: str) -> str:
        return self.tr(WORDS[key]) if key in WORDS else key

    def refresh(self) -> None:
        c = self.controller
        state = c.bus_state
        set_chip(self.broker, self.tr("Broker: {state}").format(state=self.word(state)),
                 COLORS.get(state, "#6b6b6b"), c.broker_label)
        det = c.detector()
        if det is not None:
            hint = self.tr("Click to fetch or choose a YOLO model") if det.fallback else ""
            set_chip(self.detector, self.tr("Detector: {what}").format(what=det.text),
                     COLORS["fallback" if det.fallback else "yolo"],
                     "\n\n".join(t for t in (det.detail, hint) if t))
        elif "detector" in c.missing:
            set_chip(self.detector, self.tr("Detector: missing"), COLORS["missing"],
                     c.missing["detector"])
        elif "detector" in c.starting:
            set_chip(self.detector, self.tr("Detector: loading…"), COLORS["starting"])
        elif c.early():
            set_chip(self.detector, self.tr("Detector: waiting for a heartbeat"), COLORS["starting"],
                     self.tr("workers say they run every few seconds"))
        else:
            set_chip(self.detector, self.tr("Detector: none running"), COLORS["gone"])
        for label in self._workers:
            self._row.removeWidget(label)
            label.hide()
            label.deleteLater()
        self._workers = []
        now = time.monotonic()
        for w in sorted(c.workers.values(), key=lambda w: (w.role, w.worker_id)):
            seen = self.tr("last heartbeat {n} s ago").format(n=f"{now - w.last_seen:.0f}")
            role = self.word(w.role)
            if waiting := w.facts_waiting():  # nothing lost, but not stored yet either
                self._add_worker(chip(self.tr("{role}: {n} counts waiting").format(
                    role=role, n=number(w.data["facts_buffered"])),
                    COLORS["reconnecting"], f"{w.worker_id}\n{waiting}\n{seen}"))
                continue
            text, color, tip = f"{role}: {self.word(w.state)}", COLORS.get(w.state, "#6b6b6b"), ""
            # a notifier missing a secret: runs, but leaves those targets to other notifiers
            if w.state == "running" and (lacks := w.data.get("cannot_serve")):
                text += " · " + self.tr("cannot send to {targets}").format(
                    targets=", ".join(sorted(lacks)))
                color = COLORS["fallback"]
                tip = "\n" + "\n".join(f"{t}: {why}" for t, why in sorted(lacks.items()))
            # a camera worker under strict privacy with no detector of its own publishes nothing
            if w.state == "running" and (refused := w.data.get("refused")):
                text += " · " + self.tr("refuses to publish frames (strict privacy)")
                color = COLORS["missing"]
                tip = "\n" + str(refused)
            if w.state == "gone":
                tip += "\n" + self.tr("Right-click to forget it (restarted under another name, "
                                       "or retired)")
            label = chip(text, color, f"{w.worker_id}\n{seen}{tip}")
            if w.state == "gone":
                label.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
                forget = QAction(self.tr("Forget {worker}").format(worker=w.worker_id), label)
                forget.triggered.connect(lambda _=False, wid=w.worker_id: c.forget(wid))
                label.addAction(forget)
            self._add_worker(label)
        for role in sorted(c.starting - {w.role for w in c.workers.values()}):
            self._add_worker(chip(f"{self.word(role)}: {self.word('starting')}", COLORS["starting"]))
        for role, reason in sorted(c.missing.items()):
            self._add_worker(chip(f"{self.word(role)}: {self.word('missing')}", COLORS["missing"],
                                  reason))

    def _add_worker(self, label: QLabel) -> None:
        self._row.addWidget(label)
        self._workers.append(label)
