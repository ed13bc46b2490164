"""Drawing a result on its frame: zones and lines with their names and live counts, and boxes
with track ids. Everything is given in the pixel space of the frame and mapped onto the tile."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QPolygonF, QTransform

from workers.contracts import DetectionResult, ZoneSet

BOX_COLOR = QColor(255, 212, 0)
LABEL_BG = QColor(0, 0, 0, 170)


def frame_transform(frame_w: float, frame_h: float, target: QRectF) -> QTransform:
    """Maps frame pixels onto ``target`` (the rectangle the frame image is drawn in)."""
    return QTransform.fromTranslate(target.x(), target.y()).scale(
        target.width() / frame_w, target.height() / frame_h)


def draw_label(p: QPainter, at: QPointF, text: str, color: QColor | None = None) -> None:
    """Text on a dark plate, its top-left corner at ``at``, kept inside the painter's window."""
    fm = QFontMetricsF(p.font())
    rect = QRectF(at, fm.size(0, text)).adjusted(-3, -1, 3, 1)
    bounds = QRectF(p.window())
    rect.moveLeft(min(max(rect.left(), bounds.left()), bounds.right() - rect.width()))
    rect.moveTop(min(max(rect.top(), bounds.top()), bounds.bottom() - rect.height()))
    p.fillRect(rect, LABEL_BG)
    p.setPen(color or QColor("white"))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


def draw_zones(p: QPainter, zones: ZoneSet, target: QRectF, result: DetectionResult | None) -> None:
    """Zones (filled) and counting lines, each named with its live figures from ``result``.

    Zones carry the frame size they were drawn on, which may differ from what the camera sends
    now; mapping from their own size onto the same target scales them as the detector does."""
    t = frame_transform(zones.frame_width, zones.frame_height, target)
    counting = result.counting_data if result else None
    for zone in zones.zones:
        color = QColor(zone.color)
        poly = t.map(QPolygonF([QPointF(x, y) for x, y in zone.points]))
        fill = QColor(color)
        fill.setAlpha(45)
        p.setBrush(fill)
        p.setPen(QPen(color, 2))
        p.drawPolygon(poly)
        text = zone.label
        if counting and (za := counting.zone_analysis.get(zone.id)) is not None:
            text += f"  {za.occupancy} inside"
        x, y = min(zone.points, key=lambda q: (q[1], q[0]))  # the label goes by the top corner
        draw_label(p, t.map(QPointF(x, y)) + QPointF(4, 4), text, color.lighter(150))
    p.setBrush(Qt.BrushStyle.NoBrush)
    for line in zones.lines:
        color = QColor(line.color)
        a, b = (t.map(QPointF(x, y)) for x, y in line.points)
        p.setPen(QPen(color, 3))
        p.drawLine(a, b)
        text = line.label
        if counting and (lc := counting.lines.get(line.id)) is not None:
            text += f"  in {lc.count_in} · out {lc.count_out}"
        mid = (a + b) / 2
        draw_label(p, mid + QPointF(6, -10), text, color.lighter(150))


def draw_boxes(p: QPainter, result: DetectionResult, target: QRectF) -> None:
    t = frame_transform(result.frame_width, result.frame_height, target)
    p.setBrush(Qt.BrushStyle.NoBrush)
    pen = QPen(BOX_COLOR, 2)
    pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
    for det in result.detection_results.detections:
        x1, y1, x2, y2 = det.bbox
        rect = t.mapRect(QRectF(QPointF(x1, y1), QPointF(x2, y2)))
        p.setPen(pen)
        p.drawRect(rect)
        tag = f"#{det.track_id}" if det.track_id is not None else det.class_name
        draw_label(p, rect.topLeft() + QPointF(0, -16), f"{tag} {det.confidence:.0%}", BOX_COLOR)


def small_font(base: QFont, point_size: float) -> QFont:
    f = QFont(base)
    f.setPointSizeF(point_size)
    return f
