"""Queue-depth panel: ready and unacked messages per queue over time, with warning lines, and a
table of the latest figures and rates."""

from __future__ import annotations

import time

import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from camcount_desktop.queues.controller import DEFAULT_WARN, QueuesController

COLUMNS = ["queue", "ready", "unacked", "consumers", "in/s", "out/s"]
#: the columns' headings (COLUMNS are their keys)
HEADINGS = [QT_TRANSLATE_NOOP("QueuesView", "queue"), QT_TRANSLATE_NOOP("QueuesView", "ready"),
            QT_TRANSLATE_NOOP("QueuesView", "unacked"), QT_TRANSLATE_NOOP("QueuesView", "consumers"),
            QT_TRANSLATE_NOOP("QueuesView", "in/s"), QT_TRANSLATE_NOOP("QueuesView", "out/s")]


class QueuesView(QWidget):
    def __init__(self, controller: QueuesController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.ready_plot = self._plot()
        self.unacked_plot = self._plot()
        self._curves: dict[tuple[str, str], pg.PlotDataItem] = {}
        self._colors: dict[str, QColor] = {}
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in HEADINGS])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        # every figure on screen: names take what the numbers leave
        header = self.table.horizontalHeader()
        for col in range(len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setToolTip(self.tr("each queue's colour is its line in the charts"))
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.note = QLabel("")
        self.note.setStyleSheet("color:#c98a12;")
        # one chart at a time, at the panel's full height; the table is the legend (a legend
        # inside a chart this short covered the curves and listed two queues of seven)
        charts = QTabWidget()
        charts.setDocumentMode(True)
        charts.addTab(self.ready_plot, self.tr("Ready messages"))
        charts.addTab(self.unacked_plot, self.tr("Unacked messages"))
        right = QVBoxLayout()
        right.addWidget(self.table)
        right.addWidget(self.note)
        row = QHBoxLayout(self)
        row.addWidget(charts, 1)
        row.addLayout(right, 1)
        controller.sampled.connect(self.refresh)
        controller.error.connect(self.note.setText)

    def _plot(self) -> pg.PlotWidget:
        plot = pg.PlotWidget()  # its tab names it: the height goes to the curves
        plot.setLabel("bottom", self.tr("seconds ago"))
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.setMinimumHeight(120)
        # the warning level of a queue without a max-length; others have their own in the table
        plot.addItem(pg.InfiniteLine(DEFAULT_WARN, angle=0,
                                     label=self.tr("warn {n}").format(n=DEFAULT_WARN),
                                     pen=pg.mkPen("#d04040", width=1, style=Qt.PenStyle.DashLine),
                                     labelOpts={"color": "#d04040", "position": 0.95}))
        return plot

    def refresh(self) -> None:
        samples = list(self.controller.samples)
        if not samples:
            return
        now = time.monotonic()
        xs = [s.at - now for s in samples]
        latest = samples[-1]
        names = list(latest.depths)
        self._colors = {}
        for i, name in enumerate(names):
            color = pg.intColor(i, hues=max(len(names), 8))
            self._colors[name] = color
            pen = pg.mkPen(color, width=2)
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
                if col == 0:
                    item.setIcon(_swatch(self._colors[name]))
                    item.setToolTip(warning or text)
                if warning:
                    item.setBackground(QBrush(QColor(120, 30, 30)))
                    item.setToolTip(warning)
                self.table.setItem(row, col, item)


def _swatch(color: QColor) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(color)
    return QIcon(pixmap)


def _value(depth, field: str) -> float:
    if depth is None:
        return float("nan")
    value = getattr(depth, field)
    return float("nan") if value is None else float(value)


def _rate(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.1f}"
