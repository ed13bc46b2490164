"""The analytics charts (pyqtgraph): in and out bars per bucket, and for zones the occupancy at
each bucket's end with its peak, on a shared bucket axis labelled in local time; for a site, its
occupancy alone (raw and corrected) against its maximum."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from camcount_desktop.analytics.model import ChartData

IN_COLOUR, OUT_COLOUR, OCCUPANCY_COLOUR = "#2fa84f", "#e08a1e", "#6f8cff"
CORRECTED_COLOUR, LIMIT_COLOUR = "#c060e0", "#e04040"
#: space between two bucket labels on the axis, in pixels
TICK_GAP_PX = 16


class CountsChart(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.counts_plot = pg.PlotWidget()
        self.counts_plot.showGrid(y=True, alpha=0.2)
        self.counts_plot.setLabel("left", self.tr("count"))
        self.counts_plot.setMouseEnabled(x=True, y=False)
        legend = self.counts_plot.addLegend(offset=(5, 5), labelTextSize="8pt")
        self.in_bars = pg.BarGraphItem(x=[], height=[], width=0.4, brush=IN_COLOUR, pen=None)
        self.out_bars = pg.BarGraphItem(x=[], height=[], width=0.4, brush=OUT_COLOUR, pen=None)
        self.counts_plot.addItem(self.in_bars)
        self.counts_plot.addItem(self.out_bars)
        legend.addItem(self.in_bars, self.tr("in"))
        legend.addItem(self.out_bars, self.tr("out"))
        self._legend = legend

        self.occupancy_plot = pg.PlotWidget()
        self.occupancy_plot.showGrid(y=True, alpha=0.2)
        self.occupancy_plot.setLabel("left", self.tr("inside"))
        self.occupancy_plot.setMouseEnabled(x=True, y=False)
        self.occupancy_plot.setXLink(self.counts_plot)
        self._occupancy_legend = self.occupancy_plot.addLegend(offset=(5, 5), labelTextSize="8pt")
        self.occupancy_curve = self.occupancy_plot.plot(
            [], [], pen=pg.mkPen(OCCUPANCY_COLOUR, width=2), symbol="o", symbolSize=5,
            symbolBrush=OCCUPANCY_COLOUR, name=self.tr("inside at bucket end"))
        self.peak_curve = self.occupancy_plot.plot(
            [], [], pen=pg.mkPen(OCCUPANCY_COLOUR, width=1, style=Qt.PenStyle.DashLine),
            name=self.tr("peak in bucket"))
        self.corrected_curve = self.occupancy_plot.plot(
            [], [], pen=pg.mkPen(CORRECTED_COLOUR, width=2), name=self.tr("corrected (visit time)"))
        self.limit_line = pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen(
            LIMIT_COLOUR, width=1, style=Qt.PenStyle.DashLine), label=self.tr("maximum"),
            labelOpts={"position": 0.05, "color": LIMIT_COLOUR, "anchors": [(0, 1), (0, 1)]})
        self.occupancy_plot.addItem(self.limit_line)
        self.limit_line.hide()
        self.occupancy_plot.hide()
        self._labels: list[str] = []

        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.counts_plot, 3)
        col.addWidget(self.occupancy_plot, 2)

    def set_data(self, data: ChartData) -> None:
        xs = list(range(len(data.rows)))
        self.in_bars.setOpts(x=[x - 0.2 for x in xs], height=[r.count_in for r in data.rows])
        self.out_bars.setOpts(x=[x + 0.2 for x in xs], height=[r.count_out for r in data.rows])
        word_in, word_out = ((self.tr("entries"), self.tr("exits")) if data.is_zone
                             else (self.tr("in"), self.tr("out")))
        self._legend.getLabel(self.in_bars).setText(word_in)
        self._legend.getLabel(self.out_bars).setText(word_out)
        self._labels = data.labels()
        self._label_ticks()
        # a site has no in/out of its own (its doors' are on their cameras): only who is inside
        self.counts_plot.setVisible(not data.is_site)
        self.limit_line.setVisible(data.limit is not None)
        if data.limit is not None:
            self.limit_line.setValue(data.limit)
        if data.has_occupancy:
            self.occupancy_curve.setData(xs, [r.occupancy or 0 for r in data.rows])
            self.peak_curve.setData(xs, [r.peak or 0 for r in data.rows])
            corrected = [(x, r.corrected) for x, r in zip(xs, data.rows, strict=True)
                         if r.corrected is not None]
            self.corrected_curve.setData([x for x, _ in corrected], [c for _, c in corrected])
            # named in the legend only where a zone has an average visit to correct by
            self._occupancy_legend.removeItem(self.corrected_curve)
            if corrected:
                self._occupancy_legend.addItem(self.corrected_curve, self.tr("corrected (visit time)"))
            top = max([1, data.limit or 0, *(r.peak or 0 for r in data.rows),
                       *(r.corrected or 0 for r in data.rows)])
            self.occupancy_plot.setYRange(0, top * 1.1, padding=0)
            self.occupancy_plot.show()
        else:
            self.occupancy_plot.hide()
        top = max([1, *(r.count_in for r in data.rows), *(r.count_out for r in data.rows)])
        self.counts_plot.setYRange(0, top * 1.1, padding=0)
        self.counts_plot.setXRange(-0.6, len(xs) - 0.4, padding=0)

    def tick_step(self) -> int:
        """Label every n-th bucket: as many as fit side by side at the axis's width (168 hourly
        labels over a week would smear into one)."""
        if not self._labels:
            return 1
        plot = self.occupancy_plot if self.counts_plot.isHidden() else self.counts_plot
        room = max(1.0, plot.getAxis("bottom").width() or plot.width())
        widest = max(self.fontMetrics().horizontalAdvance(t) for t in self._labels)
        return max(1, -(-len(self._labels) * (widest + TICK_GAP_PX) // int(room)))

    def shown_ticks(self) -> list[str]:
        return [self._labels[i] for i in range(0, len(self._labels), self.tick_step())]

    def _label_ticks(self) -> None:
        step = self.tick_step()
        ticks = [[(i, self._labels[i]) for i in range(0, len(self._labels), step)], []]
        for plot in (self.counts_plot, self.occupancy_plot):
            plot.getAxis("bottom").setTicks(ticks)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._label_ticks()

    def plotted_in(self) -> list[float]:
        """Bar heights as drawn (what the user reads off the chart)."""
        return [float(h) for h in self.in_bars.opts["height"]]

    def plotted_out(self) -> list[float]:
        return [float(h) for h in self.out_bars.opts["height"]]
