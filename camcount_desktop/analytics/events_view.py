"""The analytics window's evidence panel: pick a bucket of the chart on screen, list its count
events (time, line/zone, direction, class, track) and see the snapshot of the one chosen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from camcount_desktop.analytics.events_controller import BucketEventsController
from camcount_desktop.analytics.model import ChartData
from camcount_desktop.evidence import Evidence
from camcount_desktop.picture_view import Picture
from workers.contracts.queries import CountEventInfo, CountEventsReply

_ID = Qt.ItemDataRole.UserRole
SNAPSHOT_COLUMN = 5


class BucketEventsPanel(QWidget):
    def __init__(self, controller: BucketEventsController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.data: ChartData | None = None
        self.names: dict[str, str] = {}
        self.bucket_box = QComboBox()
        self.bucket_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.list_button = QPushButton(self.tr("List count events"))
        self.list_button.setEnabled(False)
        self.summary = QLabel()
        self.events = QTreeWidget()
        self.events.setHeaderLabels([self.tr("Time"), self.tr("Line/zone"), self.tr("Direction"),
                                     self.tr("Class"), self.tr("Track"), self.tr("Snapshot")])
        self.events.setRootIsDecorated(False)
        header = self.events.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.picture = Picture()
        self.picture.set_image(None, self.tr("Choose an event to see its snapshot."))
        self.caption = QLabel()
        right = QWidget()
        right_col = QVBoxLayout(right)
        right_col.setContentsMargins(0, 0, 0, 0)
        right_col.addWidget(self.picture, 1)
        right_col.addWidget(self.caption)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.events)
        split.addWidget(right)
        split.setSizes([560, 480])
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Count events of bucket")))
        row.addWidget(self.bucket_box)
        row.addWidget(self.list_button)
        row.addWidget(self.summary, 1)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addLayout(row)
        col.addWidget(split, 1)

        self.list_button.clicked.connect(self.list_events)
        self.events.currentItemChanged.connect(self._chosen)
        controller.listed.connect(self._show_events)
        controller.snapshots.loaded.connect(self._on_evidence)

    def set_chart(self, data: ChartData, shape_names: dict[str, str]) -> None:
        """The buckets of the chart now on screen; the newest with counts is chosen."""
        self.data, self.names = data, shape_names
        tz = data.selection.tz
        fmt = "%Y-%m-%d %H:%M" if data.selection.period == "hourly" else "%Y-%m-%d"
        self.bucket_box.clear()
        for i, r in enumerate(data.rows):
            self.bucket_box.addItem(self.tr("{start} · in {n_in} · out {n_out}").format(
                start=r.start.astimezone(tz).strftime(fmt), n_in=r.count_in, n_out=r.count_out), i)
        busy = [i for i, r in enumerate(data.rows) if r.count_in or r.count_out]
        self.bucket_box.setCurrentIndex(busy[-1] if busy else max(0, len(data.rows) - 1))
        self.list_button.setEnabled(bool(data.rows))
        self.events.clear()
        self.summary.clear()

    def list_events(self) -> None:
        if self.data is None or self.bucket_box.currentData() is None:
            return
        row = self.data.rows[self.bucket_box.currentData()]
        self.summary.setText(self.tr("Asking…"))
        self.controller.list(self.data.selection, row.start, row.end)

    def _show_events(self, reply: CountEventsReply) -> None:
        self.events.clear()
        tz = self.data.selection.tz if self.data else None
        first_with_picture = None
        for e in reply.events:
            item = QTreeWidgetItem([
                f"{e.at.astimezone(tz):%Y-%m-%d %H:%M:%S}", self.names.get(e.shape_id, e.shape_id),
                self._direction(e), e.class_name, f"#{e.track_id}",
                self.tr("yes") if e.has_snapshot else self.tr("none")])
            item.setData(0, _ID, e.event_message_id)
            self.events.addTopLevelItem(item)
            if e.has_snapshot and first_with_picture is None:
                first_with_picture = item
        with_pictures = sum(e.has_snapshot for e in reply.events)
        text = self.tr("{n} count event(s), {k} with a snapshot").format(
            n=len(reply.events), k=with_pictures)
        if reply.truncated:
            text += self.tr(" (the newest only)")
        self.summary.setText(text)
        if first_with_picture is not None:
            self.events.setCurrentItem(first_with_picture)
        else:
            self.picture.set_image(None, self.tr("No snapshot is stored for these events."))
            self.caption.clear()

    def _direction(self, e: CountEventInfo) -> str:
        if e.kind == "zone":
            return self.tr("entered") if e.direction == "in" else self.tr("left")
        return self.tr("in") if e.direction == "in" else self.tr("out")

    def _chosen(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if item is None:
            return
        self.picture.set_image(None, self.tr("Asking for the snapshot…"))
        self.caption.clear()
        self.controller.snapshots.for_event(item.data(0, _ID))

    def _on_evidence(self, evidence: Evidence) -> None:
        item = self.events.currentItem()
        if item is None or evidence.key != f"event:{item.data(0, _ID)}":
            return
        if evidence.image is None:
            self.picture.set_image(None, self.tr("No snapshot: {why}").format(why=evidence.why_not))
            self.caption.clear()
            return
        self.picture.set_image(evidence.image)
        self.caption.setText(self.tr("Track {track} at {time}").format(
            track=item.text(4), time=item.text(0)))
