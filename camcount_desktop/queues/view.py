"""Queue-depth panel: ready and unacked messages per queue over time, with warning lines, and a
table of the latest figures and rates."""

from __future__ import annotations

import time

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from camcount_desktop.queues.controller import DEFAULT_WARN, QueuesController

COLUMNS = ["queue", "ready", "unacked", "consumers", "in/s", "out/s"]


class QueuesView(QWidget):
    def __init__(self, controller: QueuesController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.ready_plot = self._plot("Ready messages")
        self.unacked_plot = self._plot("Unacked messages")
        self._curves: dict[tuple[str, str], pg.PlotDataItem] = {}
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setColumnWidth(0, 230)
        self.note = QLabel("")
        self.note.setStyleSheet("color:#c98a12;")
        charts = QVBoxLayout()
        charts.addWidget(self.ready_plot)
        charts.addWidget(self.unacked_plot)
        right = QVBoxLayout()
        right.addWidget(self.table)
        right.addWidget(self.note)
        row = QHBoxLayout(self)
        row.addLayout(charts, 3)
        row.addLayout(right, 2)
        controller.sampled.connect(self.refresh)
        controller.error.connect(self.note.setText)

    def _plot(self, title: str) -> pg.PlotWidget:
        plot = pg.PlotWidget(title=title)
        plot.setLabel("bottom", "seconds ago")
        plot.addLegend(offset=(5, 5), labelTextSize="7pt")
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.setMinimumHeight(120)
        # the warning level of a queue without a max-length; others have their own in the table
        plot.addItem(pg.InfiniteLine(DEFAULT_WARN, angle=0, label=f"warn {DEFAULT_WARN}",
                                     pen=pg.mkPen("#d04040", width=1, style=Qt.PenStyle.DashLine),
                                     labelOpts={"color": "#d04040", "position": 0.05}))
        return plot

    def refresh(self) -> None:
        samples = list(self.controller.samples)
        if not samples:
            return
        now = time.monotonic()
        xs = [s.at - now for s in samples]
        latest = samples[-1]
        names = list(latest.depths)
        for i, name in enumerate(names):
            pen = pg.mkPen(pg.intColor(i, hues=max(len(names), 8)), width=2)
            label = self.controller.label(name)
            for field, plot in (("ready", self.ready_plot), ("unacked", self.unacked_plot)):
                key = (name, field)
                if key not in self._curves:
                    self._curves[key] = plot.plot([], [], pen=pen, name=label)
                ys = [_value(s.depths.get(name), field) for s in samples]
                self._curves[key].setData(xs, ys)
        self._fill_table(latest, names)

    def _fill_table(self, latest, names: list[str]) -> None:
        self.table.setRowCount(len(names))
        for row, name in enumerate(names):
            d = latest.depths[name]
            pub, out = latest.rates.get(name, (None, None))
            cells = [self.controller.label(name), str(d.ready), "–" if d.unacked is None else str(d.unacked),
                     str(d.consumers), _rate(pub), _rate(out)]
            warning = self.controller.warning(name, d)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if warning:
                    item.setBackground(QBrush(QColor(120, 30, 30)))
                    item.setToolTip(warning)
                self.table.setItem(row, col, item)


def _value(depth, field: str) -> float:
    if depth is None:
        return float("nan")
    value = getattr(depth, field)
    return float("nan") if value is None else float(value)


def _rate(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.1f}"
