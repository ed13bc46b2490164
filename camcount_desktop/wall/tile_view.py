"""One tile of the wall: paints a TileState; takes dropped cameras and double-clicks."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from camcount_desktop.i18n import clock, number, say
from camcount_desktop.wall.overlay import Labels, draw_boxes, draw_label, draw_zones, overlay_font
from camcount_desktop.wall.tile_state import TileState

CAMERA_MIME = "application/x-camcount-camera"
HEADER_H = 22
STATE_COLORS = {"live": QColor(60, 200, 90), "waiting": QColor(150, 150, 150),
                "no_signal": QColor(230, 60, 60), "reconnecting": QColor(240, 170, 30)}


class TileView(QWidget):
    double_clicked = Signal()
    camera_dropped = Signal(str)

    def __init__(self, index: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.index = index
        self.state: TileState | None = None
        self.show_boxes = True
        #: each camera's latency in the header (View menu)
        self.show_latency = False
        #: what the right of the header last said (counts, latency, rate or state)
        self.header_text = ""
        #: the camera's name as the header last drew it (elided to leave the right side room)
        self.header_name = ""
        #: what the top left of the picture last said about results (none yet, none lately)
        self.notice = ""
        #: the overlay labels of the last painted frame (where they went, for tests)
        self.labels: Labels | None = None
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(120, 80)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def set_state(self, state: TileState | None) -> None:
        self.state = state
        self.update()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:  # the name as it is now (it may come later)
            assert isinstance(event, QHelpEvent)
            QToolTip.showText(event.globalPos(), self.state.name if self.state
                              else self.tr("Drop a camera here"), self)
            return True
        return super().event(event)

    def picture_rect(self) -> QRectF:
        """Where frames go: the tile below its header."""
        return QRectF(0, HEADER_H, self.width(), max(1, self.height() - HEADER_H))

    # -- painting -----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(12, 12, 14))
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, min(10.0, self.height() / 40)))
        p.setFont(font)
        area = self.picture_rect()
        state = self.state
        if state is None:
            p.setPen(QColor(110, 110, 110))
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, self.tr("Drop a camera here"))
        else:
            signal = state.signal_state()
            if signal == "live" and state.shown is not None:
                self._paint_live(p, state, area)
            else:
                self._paint_no_signal(p, state, signal, area)
            self._paint_header(p, state, signal)
        if self.hasFocus():
            p.setPen(QPen(QColor(70, 140, 255), 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        p.end()

    def _paint_live(self, p: QPainter, state: TileState, area: QRectF) -> None:
        assert state.shown is not None
        frame, result = state.shown.frame, state.shown.result
        # the image was decoded at (about) this size, so drawing it is a plain blit
        scale = min(area.width() / frame.width, area.height() / frame.height)
        w, h = frame.width * scale, frame.height * scale
        target = QRectF(area.x() + (area.width() - w) / 2, area.y() + (area.height() - h) / 2, w, h)
        p.drawImage(target, frame.image)
        if state.heat is not None:
            p.drawImage(target, state.heat)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.labels = Labels(overlay_font(self.font(), target), target)
        if state.zones is not None:
            # counts come from the newest result even when the picture shows an older frame
            draw_zones(p, state.zones, target, state.latest_result, self.labels)
        if self.show_boxes and result is not None:
            draw_boxes(p, result, target, self.labels)
        self.labels.draw(p)
        state.painted()

    def _paint_no_signal(self, p: QPainter, state: TileState, signal: str, area: QRectF) -> None:
        color = STATE_COLORS[signal]
        title = {"no_signal": self.tr("NO SIGNAL"), "reconnecting": self.tr("RECONNECTING…"),
                 "waiting": self.tr("Waiting for the first frame…")}.get(signal, "")
        if signal == "waiting" and state.unserved:
            title, color = self.tr("NO CAMERA WORKER"), STATE_COLORS["no_signal"]
        big = QFont(p.font())
        big.setPointSizeF(max(10.0, min(28.0, area.height() / 9)))
        big.setBold(True)
        p.save()
        p.setFont(big)
        p.setPen(color)
        title_rect = QRectF(area.x(), area.y(), area.width(), area.height() * 0.55)
        p.drawText(title_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, title)
        p.restore()
        lines = []
        if state.last_frame_at is not None:
            ago = (datetime.now(UTC) - state.last_frame_at).total_seconds()
            lines.append(self.tr("last frame {time} ({ago} ago)").format(
                time=clock(state.last_frame_at), ago=self._ago(ago)))
        elif signal != "waiting":
            lines.append(self.tr("no frame received yet"))
        if state.status is not None and state.status.detail and state.status.state != "online":
            lines.append(say(state.status.detail_phrase, state.status.detail))
        elif signal == "waiting" and state.unserved:
            lines.append(state.unserved)
        p.setPen(QColor(200, 200, 200))
        p.drawText(QRectF(area.x() + 4, area.y() + area.height() * 0.58, area.width() - 8,
                          area.height() * 0.42),
                   Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                   "\n".join(lines))

    def _paint_header(self, p: QPainter, state: TileState, signal: str) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(QRectF(0, 0, self.width(), HEADER_H), QColor(28, 30, 36))
        p.setBrush(STATE_COLORS[signal])
        p.setPen(Qt.PenStyle.NoPen)
        p.drawEllipse(QPointF(11, HEADER_H / 2), 5, 5)
        p.setPen(QColor(235, 235, 235))
        right = (self.tr("{fps} fps").format(fps=number(state.fps, 1)) if signal == "live"
                 else {"no_signal": self.tr("NO SIGNAL"), "reconnecting": self.tr("RECONNECTING"),
                       "waiting": self.tr("WAITING")}.get(signal, signal.upper()))
        if signal == "live" and self.show_latency:
            latency = state.latency
            right = (self.tr("latency {ms} ms").format(ms=round(latency * 1000))
                     if latency is not None else self.tr("latency –")) + "   " + right
        if signal == "live" and state.latest_result is not None:
            c = state.latest_result.counting_data
            right = self.tr("in {n_in} · out {n_out}").format(n_in=c.count_in, n_out=c.count_out) \
                + f"   {right}"
        self.header_text = right
        p.drawText(QRectF(22, 0, self.width() - 30, HEADER_H),
                   Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, right)
        # the name takes what the right side leaves (the whole name is the tile's tooltip): on a
        # 4x4 wall the two would otherwise be drawn over each other
        fm = p.fontMetrics()
        room = self.width() - 30 - fm.horizontalAdvance(right) - 12
        self.header_name = fm.elidedText(state.name, Qt.TextElideMode.ElideRight, max(0, room))
        p.drawText(QRectF(22, 0, max(0, room), HEADER_H),
                   Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, self.header_name)
        self.notice = ""
        if signal == "live" and state.latest_result is None:
            self.notice = self.tr("no detection results yet")
            draw_label(p, QPointF(6, HEADER_H + 6), self.notice, QColor(200, 200, 200))
        elif signal == "live" and (silent := state.results_silent_for()) is not None:
            # the picture is live but nothing counts it: say so where the operator looks
            self.notice = self.tr("no detection results for {n} s: is a detector running?").format(
                n=f"{silent:.0f}")
            draw_label(p, QPointF(6, HEADER_H + 6), self.notice, QColor(255, 170, 60))
        # what the picture is (people hidden, faces shown, a heatmap over it): bottom left, clear
        # of the zone and line labels at the top
        notes = []
        if signal == "live" and state.shown is not None:
            if state.shown.frame.faces:
                notes.append((self.tr("FACES SHOWN · this view is logged"), QColor(255, 90, 90)))
            elif state.shown.frame.people_hidden:
                notes.append((self.tr("people hidden"), QColor(160, 210, 255)))
        if state.heat_caption:
            notes.append((state.heat_caption, QColor(255, 200, 80)))
        y = self.height() - 6.0
        for text, colour in reversed(notes):
            y = draw_label(p, QPointF(6, y - p.fontMetrics().height() - 2), text, colour).top() - 4

    # -- interaction --------------------------------------------------------------------------
    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.double_clicked.emit()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(CAMERA_MIME):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        camera_id = bytes(event.mimeData().data(CAMERA_MIME).data()).decode()
        if camera_id:
            event.acceptProposedAction()
            self.camera_dropped.emit(camera_id)


    def _ago(self, seconds: float) -> str:
        seconds = max(0, int(seconds))
        if seconds < 120:
            return self.tr("{n} s").format(n=seconds)
        if seconds < 7200:
            return self.tr("{n} min").format(n=seconds // 60)
        return self.tr("{n} h").format(n=seconds // 3600)
