"""The zone editor's drawing surface: a frozen frame with the draft's lines and zones on it.

Tools: *Select* (drag corners and shapes, double-click an edge to add a corner, click a line's
arrow to flip it, right-click for delete), *Line* (click two points), *Zone* and *Privacy mask*
(click corners, click the first one again, double-click or press Enter to close; a mask is drawn
hatched grey, as the detector fills it). The wheel zooms around the
cursor; the middle button, or dragging empty space, pans. Everything is drawn and validated in
the frame's own pixels; the view only maps them onto the widget.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import QT_TRANSLATE_NOOP, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QContextMenuEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import QMenu, QSizePolicy, QWidget

from camcount_desktop.admin.zone_draft import POLYGONS, Shape, ZoneDraft
from camcount_desktop.wall.overlay import draw_label
from workers.geometry import Point

Tool = Literal["select", "line", "zone", "mask"]
#: how close (widget pixels) a click must be to a corner, an edge or an arrow to take it
HIT_PX = 8.0
ARROW_PX = 34.0
ERROR_COLOR = QColor(255, 70, 70)
#: a mask's fill on the canvas: nearly opaque, so the admin sees roughly what viewers will
MASK_ALPHA = 215
MASK_OUTLINE = QColor(200, 200, 200)
#: shown at the bottom of the canvas, translated when drawn
HINTS = {
    "select": QT_TRANSLATE_NOOP("ZoneCanvas", "Drag corners or shapes · double-click an edge to add "
                                "a corner · click an arrow to flip in/out · right-click to delete · "
                                "wheel zooms"),
    "line": QT_TRANSLATE_NOOP("ZoneCanvas", "Click the line's two ends; the arrow shows which way "
                              "is \"in\""),
    "zone": QT_TRANSLATE_NOOP("ZoneCanvas", "Click the corners; click the first corner again, "
                              "double-click or press Enter to close · Esc cancels"),
    "mask": QT_TRANSLATE_NOOP("ZoneCanvas", "Click the corners of a region to hide in every "
                              "picture (it counts nothing); click the first corner again, "
                              "double-click or press Enter to close · Esc cancels"),
}


@dataclass
class _Drag:
    kind: Literal["corner", "shape", "pan"]
    start: QPointF
    before: tuple[Shape, ...]
    shape: Shape | None = None
    index: int = -1


def _distance_to_segment(p: QPointF, a: QPointF, b: QPointF) -> tuple[float, QPointF]:
    d = b - a
    length2 = d.x() ** 2 + d.y() ** 2
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, QPointF.dotProduct(p - a, d) / length2))
    nearest = a + d * t
    return math.hypot(p.x() - nearest.x(), p.y() - nearest.y()), nearest


class ZoneCanvas(QWidget):
    changed = Signal()  # the draft changed (and with it undo/redo and validation)
    selection_changed = Signal()
    tool_changed = Signal(str)
    refused = Signal(str)  # an edit that cannot be done, in words
    #: deleting this shape would delete routes through it: the editor asks first
    delete_needs_consent = Signal(str)

    def __init__(self, draft: ZoneDraft, parent: QWidget | None = None):
        super().__init__(parent)
        self.draft = draft
        self.image: QImage | None = None
        self.tool: Tool = "select"
        self.pending: list[Point] = []
        self.selected: str | None = None
        self.selected_corner: int | None = None
        self.zoom = 1.0
        self.pan = QPointF(0, 0)
        self._drag: _Drag | None = None
        self._cursor: QPointF | None = None
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(480, 300)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # -- state --------------------------------------------------------------------------------
    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.update()

    def set_tool(self, tool: Tool) -> None:
        self.pending = []
        self.tool = tool
        self.setCursor(Qt.CursorShape.ArrowCursor if tool == "select" else Qt.CursorShape.CrossCursor)
        self.tool_changed.emit(tool)
        self.update()

    def select(self, shape_id: str | None, corner: int | None = None) -> None:
        if (shape_id, corner) != (self.selected, self.selected_corner):
            self.selected, self.selected_corner = shape_id, corner
            self.selection_changed.emit()
            self.update()

    def _edited(self) -> None:
        if self.selected is not None and self.draft.get(self.selected) is None:
            self.select(None)
        self.changed.emit()
        self.update()

    # -- frame <-> widget ---------------------------------------------------------------------
    def scale(self) -> float:
        return min(self.width() / self.draft.width, self.height() / self.draft.height) * self.zoom

    def _origin(self) -> QPointF:
        s = self.scale()
        return QPointF((self.width() - self.draft.width * s) / 2,
                       (self.height() - self.draft.height * s) / 2) + self.pan

    def to_widget(self, p: Point) -> QPointF:
        return self._origin() + QPointF(p[0], p[1]) * self.scale()

    def to_frame(self, q: QPointF) -> Point:
        p = (q - self._origin()) / self.scale()
        return p.x(), p.y()

    def zoom_by(self, factor: float, around: QPointF | None = None) -> None:
        """Zoom keeping the frame point under ``around`` (default: the centre) where it is."""
        around = around if around is not None else QPointF(self.width() / 2, self.height() / 2)
        fixed = self.to_frame(around)
        self.zoom = min(max(self.zoom * factor, 1.0), 16.0)
        self.pan += around - self.to_widget(fixed)
        if self.zoom == 1.0:
            self.pan = QPointF(0, 0)
        self.update()

    def fit(self) -> None:
        self.zoom, self.pan = 1.0, QPointF(0, 0)
        self.update()

    # -- hit testing --------------------------------------------------------------------------
    def arrow(self, shape: Shape) -> tuple[QPointF, QPointF]:
        """Base and tip of a line's "in" arrow: it points to the right of P1→P2 as seen on
        screen, the side a crossing counted as "in" ends on."""
        a, b = (self.to_widget(p) for p in shape.points)
        d = b - a
        length = math.hypot(d.x(), d.y()) or 1.0
        normal = QPointF(-d.y() / length, d.x() / length)
        mid = (a + b) / 2
        return mid, mid + normal * ARROW_PX

    def _ordered(self) -> list[Shape]:
        """Topmost first: the selected shape, then the newest."""
        shapes = list(reversed(self.draft.shapes))
        shapes.sort(key=lambda s: s.id != self.selected)
        return shapes

    def corner_at(self, q: QPointF) -> tuple[Shape, int] | None:
        for shape in self._ordered():
            for i, p in enumerate(shape.points):
                w = self.to_widget(p)
                if math.hypot(w.x() - q.x(), w.y() - q.y()) <= HIT_PX:
                    return shape, i
        return None

    def arrow_at(self, q: QPointF) -> Shape | None:
        for shape in self._ordered():
            if shape.kind == "line" and len(set(shape.points)) == 2:
                base, tip = self.arrow(shape)
                if _distance_to_segment(q, base, tip)[0] <= HIT_PX:
                    return shape
        return None

    def edge_at(self, q: QPointF) -> tuple[Shape, int, QPointF] | None:
        """The shape whose edge is near ``q``: (shape, index of the edge's first corner, the
        nearest point on it in frame pixels)."""
        for shape in self._ordered():
            pts = [self.to_widget(p) for p in shape.points]
            n = len(pts) if shape.kind in POLYGONS else len(pts) - 1
            for i in range(n):
                dist, nearest = _distance_to_segment(q, pts[i], pts[(i + 1) % len(pts)])
                if dist <= HIT_PX:
                    return shape, i, nearest
        return None

    def shape_at(self, q: QPointF) -> Shape | None:
        if (hit := self.edge_at(q)) is not None:
            return hit[0]
        for shape in self._ordered():
            if shape.kind in POLYGONS and QPolygonF([self.to_widget(p) for p in shape.points]
                                                  ).containsPoint(q, Qt.FillRule.OddEvenFill):
                return shape
        return None

    # -- mouse and keys -----------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        q = event.position()
        if event.button() == Qt.MouseButton.MiddleButton:
            self._drag = _Drag("pan", q, self.draft.shapes)
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self.tool == "line":
            self.pending.append(self.draft.clamp(self.to_frame(q)))
            if len(self.pending) == 2:
                self._finish("line")
        elif self.tool in POLYGONS:
            if len(self.pending) >= 3 and self._near_first(q):
                self._finish(self.tool)
            else:
                self.pending.append(self.draft.clamp(self.to_frame(q)))
        elif (line := self.arrow_at(q)) is not None:
            self.select(line.id)
            self.draft.flip(line.id)
            self._edited()
        elif (corner := self.corner_at(q)) is not None:
            shape, i = corner
            self.select(shape.id, i)
            self._drag = _Drag("corner", q, self.draft.shapes, shape, i)
        elif (shape := self.shape_at(q)) is not None:
            self.select(shape.id)
            self._drag = _Drag("shape", q, self.draft.shapes, shape)
        else:
            self.select(None)
            self._drag = _Drag("pan", q, self.draft.shapes)
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        q = event.position()
        self._cursor = q
        drag = self._drag
        if drag is not None and drag.kind == "pan":
            if self.zoom > 1.0:
                self.pan += q - drag.start
                drag.start = q
        elif drag is not None and drag.shape is not None:
            shape = drag.shape
            if drag.kind == "corner":
                points = list(shape.points)
                points[drag.index] = self.draft.clamp(self.to_frame(q))
            else:
                (x0, y0), (x1, y1) = self.to_frame(drag.start), self.to_frame(q)
                points = list(self.draft.moved(shape, x1 - x0, y1 - y0))
            self.draft.preview(self.draft.with_change(shape.id, points=tuple(points)))
            self.changed.emit()
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self._drag = self._drag, None
        if drag is not None and drag.kind != "pan":
            self.draft.commit(drag.before)
            self._edited()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.tool in POLYGONS:
            # the double-click's first press added a corner already
            if len(self.pending) >= 3:
                self._finish(self.tool)
            return
        if self.tool == "select" and (hit := self.edge_at(event.position())) is not None:
            shape, i, nearest = hit
            if shape.kind in POLYGONS:
                p = self.to_frame(nearest)
                self.draft.insert_point(shape.id, i + 1, self.draft.clamp(p))
                self.select(shape.id, i + 1)
                self._edited()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        q = QPointF(event.pos())
        menu = QMenu(self)
        if (corner := self.corner_at(q)) is not None and corner[0].kind in POLYGONS:
            shape, i = corner
            menu.addAction(self.tr("Delete corner"), lambda: self.delete_corner(shape.id, i))
        if (shape := self.shape_at(q) or (corner[0] if corner else None)) is not None:
            self.select(shape.id)
            if shape.kind == "line":
                menu.addAction(self.tr("Flip in/out"), lambda: (self.draft.flip(shape.id), self._edited()))
            text = {"line": self.tr("Delete line “{name}”"), "zone": self.tr("Delete zone “{name}”"),
                    "mask": self.tr("Delete privacy mask “{name}”")}[shape.kind]
            menu.addAction(text.format(name=shape.label), lambda: self.delete_shape(shape.id))
        if not menu.isEmpty():
            menu.exec(event.globalPos())

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.zoom_by(1.25 ** (event.angleDelta().y() / 120), event.position())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selected is not None:
            if self.selected_corner is not None:
                self.delete_corner(self.selected, self.selected_corner)
            else:
                self.delete_shape(self.selected)
        elif key == Qt.Key.Key_Escape and self.pending:
            self.pending = []
            self.update()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.tool in POLYGONS:
            if len(self.pending) >= 3:
                self._finish(self.tool)
        else:
            super().keyPressEvent(event)

    def delete_shape(self, shape_id: str, with_routes: bool = False) -> None:
        """Delete a shape; one that routes pass through only ``with_routes`` (the admin agreed),
        else ``delete_needs_consent`` asks."""
        if self.draft.routes_through(shape_id) and not with_routes:
            self.delete_needs_consent.emit(shape_id)
            return
        self.draft.delete(shape_id)
        self._edited()

    def delete_corner(self, shape_id: str, index: int) -> None:
        if (why := self.draft.delete_point(shape_id, index)) is not None:
            self.refused.emit(why)
            return
        self.select(shape_id)
        self._edited()

    def _near_first(self, q: QPointF) -> bool:
        first = self.to_widget(self.pending[0])
        return math.hypot(first.x() - q.x(), first.y() - q.y()) <= HIT_PX

    def _finish(self, kind: Literal["line", "zone", "mask"]) -> None:
        shape = self.draft.add(kind, self.pending)
        self.pending = []
        self.set_tool("select")
        self.select(shape.id)
        self._edited()

    # -- painting -----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(20, 20, 24))
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        o, s = self._origin(), self.scale()
        frame = QRectF(o.x(), o.y(), self.draft.width * s, self.draft.height * s)
        if self.image is not None:
            p.drawImage(frame, self.image)
        else:
            p.fillRect(frame, QColor(45, 45, 52))
            p.setPen(QColor(170, 170, 170))
            p.drawText(frame, Qt.AlignmentFlag.AlignCenter,
                       self.tr("No picture from this camera: drawing on a blank {width}×{height} "
                               "frame").format(width=self.draft.width, height=self.draft.height))
        p.setPen(QPen(QColor(255, 255, 255, 90), 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(frame)
        errors = self.draft.errors()
        for shape in sorted(self.draft.shapes, key=lambda s: s.id == self.selected):
            self._paint_shape(p, shape, errors.get(shape.id))
        self._paint_pending(p)
        p.end()

    def _paint_shape(self, p: QPainter, shape: Shape, error: str | None) -> None:
        # a mask's outline and name in light grey: its fill colour is dark
        color = ERROR_COLOR if error else MASK_OUTLINE if shape.kind == "mask" else QColor(shape.color)
        selected = shape.id == self.selected
        pen = QPen(color, 3 if selected else 2)
        if error:
            pen.setStyle(Qt.PenStyle.DashLine)
        pts = [self.to_widget(pt) for pt in shape.points]
        if shape.kind == "mask":
            # filled as the detector fills it, hatched so the picture under it still shows where
            polygon = QPolygonF(pts)
            fill = QColor(shape.color)
            fill.setAlpha(MASK_ALPHA)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(fill)
            p.drawPolygon(polygon)
            p.setBrush(QBrush(QColor(150, 150, 150), Qt.BrushStyle.BDiagPattern))
            p.setPen(pen)
            p.drawPolygon(polygon)
        elif shape.kind == "zone":
            fill = QColor(color)
            fill.setAlpha(60 if selected else 40)
            p.setBrush(fill)
            p.setPen(pen)
            p.drawPolygon(QPolygonF(pts))
        else:
            self._paint_band(p, shape, color)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(pen)
            p.drawLine(pts[0], pts[1])
            if len(set(shape.points)) == 2:
                self._paint_arrow(p, shape, color)
        for i, w in enumerate(pts):
            corner = selected and i == self.selected_corner
            size = 9 if corner else 7 if selected else 5
            p.setPen(QPen(QColor(0, 0, 0), 1))
            p.setBrush(QColor("white") if selected else color)
            p.drawRect(QRectF(w.x() - size / 2, w.y() - size / 2, size, size))
        top = min(pts, key=lambda q: (q.y(), q.x()))
        draw_label(p, top + QPointF(6, -22), shape.label, color.lighter(140))
        if error:
            draw_label(p, top + QPointF(6, -4), error, QColor(255, 200, 200))

    def _paint_band(self, p: QPainter, shape: Shape, color: QColor) -> None:
        """The line's dead band: where a person is on neither side."""
        (x1, y1), (x2, y2) = shape.points
        length = math.hypot(x2 - x1, y2 - y1)
        band = float(self.draft.settings["line_dead_band"]) * self.draft.width
        if length == 0 or band <= 0:
            return
        nx, ny = -(y2 - y1) / length * band, (x2 - x1) / length * band
        corners = [(x1 + nx, y1 + ny), (x2 + nx, y2 + ny), (x2 - nx, y2 - ny), (x1 - nx, y1 - ny)]
        fill = QColor(color)
        fill.setAlpha(45)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(fill)
        p.drawPolygon(QPolygonF([self.to_widget(c) for c in corners]))

    def _paint_arrow(self, p: QPainter, shape: Shape, color: QColor) -> None:
        base, tip = self.arrow(shape)
        d = tip - base
        unit = d / (math.hypot(d.x(), d.y()) or 1.0)
        side = QPointF(-unit.y(), unit.x())
        head = QPainterPath(tip)
        head.lineTo(tip - unit * 11 + side * 6)
        head.lineTo(tip - unit * 11 - side * 6)
        head.closeSubpath()
        p.setPen(QPen(color, 2))
        p.drawLine(base, tip - unit * 8)
        p.fillPath(head, color)
        draw_label(p, tip + unit * 6 - QPointF(8, 8), self.tr("in"), color.lighter(140))

    def _paint_pending(self, p: QPainter) -> None:
        if not self.pending:
            hint = self.tr(HINTS[self.tool])
            draw_label(p, QPointF(8, self.height() - 24), hint, QColor(220, 220, 220))
            return
        pts = [self.to_widget(pt) for pt in self.pending]
        if self._cursor is not None:
            pts.append(self._cursor)
        p.setPen(QPen(QColor(255, 255, 255), 2, Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPolyline(QPolygonF(pts))
        p.setBrush(QColor("white"))
        for w in pts[: len(self.pending)]:
            p.drawEllipse(w, 4, 4)
        draw_label(p, QPointF(8, self.height() - 24), self.tr(HINTS[self.tool]), QColor(220, 220, 220))
