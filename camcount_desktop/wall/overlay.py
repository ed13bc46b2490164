"""Drawing a result on its frame: zones and lines with their names and live counts, and boxes
with track ids. Everything is given in the pixel space of the frame and mapped onto the tile."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QPolygonF, QTransform

from workers.contracts import DetectionResult, ZoneSet

BOX_COLOR = QColor(255, 212, 0)
LABEL_BG = QColor(0, 0, 0, 170)


def frame_transform(frame_w: float, frame_h: float, target: QRectF) -> QTransform:
    """Maps frame pixels onto ``target`` (the rectangle the frame image is drawn in)."""
    return QTransform.fromTranslate(target.x(), target.y()).scale(
        target.width() / frame_w, target.height() / frame_h)


def draw_label(p: QPainter, at: QPointF, text: str, color: QColor | None = None,
               bounds: QRectF | None = None) -> QRectF:
    """Text on a dark plate, its top-left corner at ``at``, kept inside ``bounds`` (by default
    the painter's window); returns where it went."""
    rect = plate(QFontMetricsF(p.font()), at, text, bounds or QRectF(p.window()))
    paint_plate(p, rect, text, color)
    return rect


def plate(fm: QFontMetricsF, at: QPointF, text: str, bounds: QRectF) -> QRectF:
    rect = QRectF(at, fm.size(0, text)).adjusted(-3, -1, 3, 1)
    rect.moveLeft(min(max(rect.left(), bounds.left()), bounds.right() - rect.width()))
    rect.moveTop(min(max(rect.top(), bounds.top()), bounds.bottom() - rect.height()))
    return rect


def paint_plate(p: QPainter, rect: QRectF, text: str, color: QColor | None) -> None:
    p.fillRect(rect, LABEL_BG)
    p.setPen(color or QColor("white"))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


def overlay_font(base: QFont, frame: QRectF) -> QFont:
    """Labels scale with the picture: small on a 4x4 wall, larger full screen."""
    font = QFont(base)
    font.setPixelSize(round(min(13.0, max(7.0, frame.height() / 20))))
    return font


class Labels:
    """The labels of one frame, drawn last so boxes and zones never cover them, inside the
    frame, clear of each other, and no wider than a share of the frame (elided, not cut)."""

    #: a label takes at most this share of the frame's width
    MAX_SHARE = 0.45

    def __init__(self, font: QFont, frame: QRectF):
        self.font, self.frame = font, frame
        self._fm = QFontMetricsF(font)
        self._placed: list[tuple[QRectF, str, QColor]] = []

    def add(self, at: QPointF, text: str, color: QColor) -> QRectF:
        text = self._fm.elidedText(text, Qt.TextElideMode.ElideMiddle,
                                   self.frame.width() * self.MAX_SHARE)
        rect = plate(self._fm, at, text, self.frame)
        step = rect.height() + 1
        # down first, then up: the nearest free place beside where it belongs
        for offset in (0, 1, -1, 2, -2, 3, -3):
            tried = plate(self._fm, at + QPointF(0, offset * step), text, self.frame)
            if not any(tried.intersects(other) for other, _, _ in self._placed):
                rect = tried
                break
        self._placed.append((rect, text, color))
        return rect

    @property
    def line_height(self) -> float:
        return self._fm.height()

    @property
    def rects(self) -> list[QRectF]:
        return [r for r, _, _ in self._placed]

    def draw(self, p: QPainter) -> None:
        p.save()
        p.setFont(self.font)
        for rect, text, color in self._placed:
            paint_plate(p, rect, text, color)
        p.restore()


def draw_zones(p: QPainter, zones: ZoneSet, target: QRectF, result: DetectionResult | None,
               labels: Labels) -> None:
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
            text += "  " + QCoreApplication.translate("Overlay", "{n} inside").format(n=za.occupancy)
        x, y = min(zone.points, key=lambda q: (q[1], q[0]))  # the label goes by the top corner
        labels.add(t.map(QPointF(x, y)) + QPointF(4, 4), text, color.lighter(150))
    p.setBrush(Qt.BrushStyle.NoBrush)
    for line in zones.lines:
        color = QColor(line.color)
        a, b = (t.map(QPointF(x, y)) for x, y in line.points)
        p.setPen(QPen(color, 3))
        p.drawLine(a, b)
        text = line.label
        if counting and (lc := counting.lines.get(line.id)) is not None:
            text += "  " + QCoreApplication.translate("Overlay", "in {n_in} · out {n_out}").format(
                n_in=lc.count_in, n_out=lc.count_out)
        mid = (a + b) / 2
        labels.add(mid + QPointF(6, -labels.line_height), text, color.lighter(150))


def draw_boxes(p: QPainter, result: DetectionResult, target: QRectF, labels: Labels) -> None:
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
        labels.add(rect.topLeft() - QPointF(0, labels.line_height + 2),
                   f"{tag} {det.confidence:.0%}", BOX_COLOR)


def small_font(base: QFont, point_size: float) -> QFont:
    f = QFont(base)
    f.setPointSizeF(point_size)
    return f
