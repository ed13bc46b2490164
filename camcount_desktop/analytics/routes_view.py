"""Routes in the analytics window: the origin × destination matrix of people and their mean
transit time, and a flow chart (Sankey-like: origins on the left, destinations on the right,
each band as thick as the people who went that way)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from camcount_desktop.analytics.routes_controller import RoutesController
from workers.contracts.routes import RouteRow, RoutesReply, mean_transits

FLOW_COLOURS = ("#2fa84f", "#6f8cff", "#e08a1e", "#d04fa0", "#20b0c0", "#b0a020")


def pair_transits(rows: list[RouteRow]
                  ) -> dict[tuple[str, str], tuple[int, float, list[tuple[str, int, float]]]]:
    """Per origin/destination pair: its people, their mean transit, and the routes in it."""
    out: dict[tuple[str, str], tuple[int, float, list[tuple[str, int, float]]]] = {}
    for pair in {(r.origin_name, r.destination_name) for r in rows}:
        routes = mean_transits([r for r in rows if (r.origin_name, r.destination_name) == pair])
        people = sum(n for _, n, _ in routes)
        mean = sum(n * t for _, n, t in routes) / people if people else 0.0
        out[pair] = (people, mean, routes)
    return out


class RouteFlowChart(QWidget):
    """Origins stacked on the left, destinations on the right, a band per origin/destination
    pair as thick as its people."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumHeight(160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.origins: list[str] = []
        self.destinations: list[str] = []
        self.cells: dict[tuple[str, str], int] = {}

    def set_matrix(self, origins: list[str], destinations: list[str],
                   cells: dict[tuple[str, str], int]) -> None:
        self.origins, self.destinations, self.cells = origins, destinations, cells
        # every node keeps a label's height: never fewer pixels than the labels need
        bold = QFont(self.font())
        bold.setBold(True)
        nodes = max(len(origins), len(destinations))
        self.setMinimumHeight(max(160, int(nodes * (QFontMetricsF(bold).height() + 6) + 24)))
        self.update()

    @staticmethod
    def _stack(names: list[str], totals: dict[str, int], top: float, scale: float,
               slot: float) -> dict[str, QRectF]:
        """Each node's bar, one under the other, at least a label's height apart."""
        y, out = top, {}
        for name in names:
            h = max(2.0, totals.get(name, 0) * scale)
            out[name] = QRectF(0, y, 0, h)
            y += max(h, slot) + 6
        return out

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        total = sum(self.cells.values())
        text = self.palette().text().color()
        if not total:
            p.setPen(text)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("No route completed"))
            return
        bold = QFont(self.font())
        bold.setBold(True)
        fm = QFontMetricsF(bold)
        out_tot = {o: sum(v for (a, _), v in self.cells.items() if a == o) for o in self.origins}
        in_tot = {d: sum(v for (_, b), v in self.cells.items() if b == d) for d in self.destinations}
        left_w = max(fm.horizontalAdvance(f"{o} {n}") for o, n in out_tot.items()) + 8
        right_w = max(fm.horizontalAdvance(f"{n} {d}") for d, n in in_tot.items()) + 8
        left, right = left_w + 4, self.width() - right_w - 4
        bar, slot, top = 12.0, fm.height(), 8.0
        n = max(len(self.origins), len(self.destinations))
        room = self.height() - 16.0 - 6 * n
        scale = max(0.05, room / total)
        for _ in range(40):  # thin nodes still take a label's height: shrink until all fit
            used = max(sum(max(v * scale, slot) for v in side.values())
                       for side in (out_tot, in_tot))
            if used <= room or scale <= 0.05:
                break
            scale *= 0.93
        src = self._stack(self.origins, out_tot, top, scale, slot)
        dst = self._stack(self.destinations, in_tot, top, scale, slot)
        src_y = {o: r.top() for o, r in src.items()}
        dst_y = {d: r.top() for d, r in dst.items()}
        for i, o in enumerate(self.origins):
            colour = QColor(FLOW_COLOURS[i % len(FLOW_COLOURS)])
            for d in self.destinations:
                v = self.cells.get((o, d), 0)
                if not v:
                    continue
                h = v * scale
                y0, y1 = src_y[o], dst_y[d]
                src_y[o] += h
                dst_y[d] += h
                x0, x1 = left + bar, right - bar
                mid = (x0 + x1) / 2
                band = QPainterPath(QPointF(x0, y0))
                band.cubicTo(QPointF(mid, y0), QPointF(mid, y1), QPointF(x1, y1))
                band.lineTo(QPointF(x1, y1 + h))
                band.cubicTo(QPointF(mid, y1 + h), QPointF(mid, y0 + h), QPointF(x0, y0 + h))
                band.closeSubpath()
                fill = QColor(colour)
                fill.setAlpha(110)
                p.fillPath(band, fill)
            r = src[o]
            p.fillRect(QRectF(left, r.top(), bar, r.height()), colour)
        p.setFont(bold)
        p.setPen(QPen(text))
        for o, r in src.items():
            p.drawText(QRectF(0, r.top(), left - 6, max(r.height(), fm.height())),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       f"{o} {out_tot[o]}")
        for d, r in dst.items():
            p.fillRect(QRectF(right - bar, r.top(), bar, r.height()), QColor("#8a8a8a"))
            p.drawText(QRectF(right + 6, r.top(), right_w, max(r.height(), fm.height())),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       f"{in_tot[d]} {d}")


class RoutesPanel(QWidget):
    """The matrix, the flow chart and one line per route, for what the chart beside shows."""

    def __init__(self, controller: RoutesController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.title = QLabel(self.tr("Routes (origin → destination): people · mean transit"))
        self.title.setStyleSheet("font-weight:600;")
        self.matrix = QTableWidget()
        self.matrix.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.matrix.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # rows as tall as their text, and the table as tall as its rows (up to six): the flow
        # chart below gets the rest
        self.matrix.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.matrix.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.flow = RouteFlowChart()
        self.transit = QLabel()
        self.transit.setWordWrap(True)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.title)
        col.addWidget(self.matrix)
        col.addWidget(self.flow, 10)
        col.addWidget(self.transit)
        col.addStretch(1)  # with no routes, the words stay at the top
        controller.shown.connect(self.show_reply)
        controller.failed.connect(self.transit.setText)
        self.show_reply(None)

    def show_reply(self, reply: RoutesReply | None) -> None:
        origins, dests, cells = reply.matrix() if reply else ([], [], {})
        self.matrix.clear()
        self.matrix.setRowCount(len(origins))
        self.matrix.setColumnCount(len(dests))
        self.matrix.setHorizontalHeaderLabels([self.tr("to {name}").format(name=d) for d in dests])
        self.matrix.setVerticalHeaderLabels([self.tr("from {name}").format(name=o) for o in origins])
        transits = pair_transits(reply.rows) if reply else {}
        for i, o in enumerate(origins):
            for j, d in enumerate(dests):
                if (o, d) in cells:
                    people, mean, routes = transits[(o, d)]
                    item = QTableWidgetItem(self.tr("{n} · {t:.1f} s").format(n=people, t=mean))
                    item.setToolTip("\n".join(
                        self.tr("{name}: {n} people, {t:.1f} s on average").format(
                            name=name, n=n, t=t) for name, n, t in routes))
                else:
                    item = QTableWidgetItem("–")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.matrix.setItem(i, j, item)
        self._fit_matrix(len(origins))
        self.flow.set_matrix(origins, dests, cells)
        self.matrix.setVisible(bool(cells))
        self.flow.setVisible(bool(cells))
        self.transit.setVisible(reply is not None and not reply.rows)
        self.transit.setText(self.tr("No route was completed in this span (routes are drawn "
                                     "in the zone editor)."))

    def _fit_matrix(self, rows: int) -> None:
        shown = min(rows, 6)
        self.matrix.setFixedHeight(self.matrix.horizontalHeader().height()
                                   + shown * self.matrix.verticalHeader().defaultSectionSize()
                                   + 2 * self.matrix.frameWidth() + 2)

    def cell(self, origin: str, destination: str) -> str:
        """The matrix as the user reads it ("–": no route between them)."""
        return self._item(origin, destination).text()

    def tooltip(self, origin: str, destination: str) -> str:
        """What hovering a cell says: each route between the two doors, with its transit."""
        return self._item(origin, destination).toolTip()

    def _item(self, origin: str, destination: str) -> QTableWidgetItem:
        rows = [self.matrix.verticalHeaderItem(i).text() for i in range(self.matrix.rowCount())]
        cols = [self.matrix.horizontalHeaderItem(j).text()
                for j in range(self.matrix.columnCount())]
        return self.matrix.item(rows.index(self.tr("from {name}").format(name=origin)),
                                cols.index(self.tr("to {name}").format(name=destination)))
