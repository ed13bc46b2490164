"""The analytics window's heatmap: the chosen camera and days, drawn over the camera's
reference picture, as where people walk (visits per cell) or where they stand longest (seconds
per cell)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap, QResizeEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from camcount_desktop import i18n
from camcount_desktop.heatmap.controller import HeatmapController
from camcount_desktop.heatmap.image import picture, values
from workers.analytics.client import RequestFailed
from workers.contracts.queries import HeatmapReply

log = logging.getLogger(__name__)
#: how often a detector sends what its heatmap gathered (workers.heatmap.grid.FLUSH_EVERY_S)
GATHERED_EVERY = timedelta(minutes=5)


class HeatmapPanel(QWidget):
    #: (text, level) for the window's status line
    message = Signal(str, str)
    #: a heatmap is on screen (tests wait for it)
    shown = Signal(object)  # HeatmapReply

    def __init__(self, controller: HeatmapController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.reply: HeatmapReply | None = None
        self._task: asyncio.Task[None] | None = None
        self.what_box = QComboBox()
        self.what_box.addItem(self.tr("Where people walk (visits per cell)"), "visits")
        self.what_box.addItem(self.tr("Where people stand longest (time per cell)"), "dwell")
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.image = QLabel(self.tr("Choose a camera and days, then Show."))
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.image.setMinimumSize(320, 180)
        top = QHBoxLayout()
        top.addWidget(self.what_box)
        top.addWidget(self.caption, 1)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addLayout(top)
        col.addWidget(self.image, 1)
        self.what_box.currentIndexChanged.connect(self._draw)

    def show_period(self, camera_id: str, start: datetime, end: datetime, span: str) -> None:
        if self._task is not None:
            self._task.cancel()
        self._task = asyncio.get_running_loop().create_task(
            self._fetch(camera_id, start, end, span))

    async def _fetch(self, camera_id: str, start: datetime, end: datetime, span: str) -> None:
        self.message.emit(self.tr("Asking for the heatmap of {camera}…").format(camera=camera_id),
                          "info")
        try:
            self.reply = await self.controller.fetch(camera_id, start, end)
        except RequestFailed as exc:
            self.message.emit(i18n.refusal(exc), "error")
            return
        self._span = span
        self._draw()
        self.shown.emit(self.reply)
        if not any(self.reply.visits) and end > datetime.now(UTC) - GATHERED_EVERY:
            # a span up to now: what the detectors gathered lately has not come yet
            self.message.emit(self.tr("Nothing from {camera} in {span} yet: the detectors send "
                                      "where people walked every 5 minutes.").format(
                camera=camera_id, span=span), "warning")
        elif not any(self.reply.visits):
            self.message.emit(self.tr("No one was seen on {camera} in {span}.").format(
                camera=camera_id, span=span), "warning")
        else:
            self.message.emit(self.tr("Heatmap of {camera}, {span}: {hours} hour(s) with data."
                                      ).format(camera=camera_id, span=span,
                                               hours=self.reply.hours), "info")

    @property
    def what(self) -> str:
        return self.what_box.currentData()

    def _draw(self) -> None:
        reply = self.reply
        if reply is None:
            return
        width = max(320, min(1600, self.image.width()))
        self._pixmap = QPixmap.fromImage(picture(reply, self.what, width))
        self._scale()
        grid = values(reply, self.what)
        row, col = np.unravel_index(int(np.argmax(grid)), grid.shape)
        top = grid[row, col]
        if top <= 0:
            self.caption.setText(self.tr("Nothing in this period."))
        elif self.what == "dwell":
            self.caption.setText(self.tr(
                "Longest stays: {seconds:.0f} s in one cell (column {col}, row {row} of "
                "{cols}x{rows}); {total:.0f} s in all.").format(
                    seconds=top, col=col + 1, row=row + 1, cols=reply.cols, rows=reply.rows,
                    total=float(grid.sum())))
        else:
            self.caption.setText(self.tr(
                "Busiest cell: {n} visit(s) (column {col}, row {row} of {cols}x{rows}); "
                "{total} visits in all.").format(n=int(top), col=col + 1, row=row + 1,
                                                 cols=reply.cols, rows=reply.rows,
                                                 total=int(grid.sum())))

    def _scale(self) -> None:
        pixmap = getattr(self, "_pixmap", None)
        if pixmap is not None:
            self.image.setPixmap(pixmap.scaled(self.image.size(),
                                               Qt.AspectRatioMode.KeepAspectRatio,
                                               Qt.TransformationMode.SmoothTransformation))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._scale()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
