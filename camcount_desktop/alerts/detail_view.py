"""One alert opened beside the wall: what happened (the snapshot the analytics worker keeps of
the counted frame that led to it, drawn with boxes, track ids and the lines and zones), the
camera live next to it, the alert's words, time and state, and acknowledging it with a note."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from camcount_desktop.alerts.controller import Alert, AlertsController
from camcount_desktop.alerts.view import SEVERITY_COLORS
from camcount_desktop.evidence import Evidence, SnapshotLoader
from camcount_desktop.picture_view import Picture
from camcount_desktop.wall.controller import WallController
from camcount_desktop.wall.tile_view import TileView

#: a snapshot travels apart from its alert and may be stored after it: a young alert without one
#: is asked for again, this often, while it is younger than ``ASK_AGAIN_WHILE_S``
ASK_AGAIN_S = 2.0
ASK_AGAIN_WHILE_S = 60.0


class AlertDetailView(QWidget):
    #: (alert id, note)
    acknowledge_requested = Signal(str, str)
    #: the camera whose live picture this pane shows (None: none), for the console to follow
    live_camera_changed = Signal(object)

    def __init__(self, controller: AlertsController, snapshots: SnapshotLoader,
                 wall: WallController, camera_name: Callable[[str], str] = str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.controller, self.snapshots, self.wall = controller, snapshots, wall
        self.camera_name = camera_name
        self.alert_id: str | None = None
        self.title = QLabel()
        self.title.setWordWrap(True)  # the pane may be narrower than a long camera name
        self.title.setStyleSheet("font-weight:600; padding:2px 6px; border-radius:4px;")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.snapshot = Picture()
        self.snapshot_caption = QLabel()
        self.live = TileView(-1)
        self.live.setAcceptDrops(False)
        self.live_caption = QLabel(self.tr("Live"))
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("Note (optional)"))
        self.note.setMaxLength(500)
        self.ack_button = QPushButton(self.tr("Acknowledge"))
        self.ack_button.clicked.connect(self._acknowledge)
        self.note.returnPressed.connect(self._acknowledge)

        # what happened over what is happening now
        pictures = QVBoxLayout()
        pictures.addWidget(self.snapshot_caption)
        pictures.addWidget(self.snapshot, 1)
        pictures.addWidget(self.live_caption)
        pictures.addWidget(self.live, 1)
        ack = QHBoxLayout()
        ack.addWidget(self.note, 1)
        ack.addWidget(self.ack_button)
        col = QVBoxLayout(self)
        col.setContentsMargins(4, 2, 4, 4)
        col.addWidget(self.title)
        col.addWidget(self.text)
        col.addLayout(pictures, 1)
        col.addWidget(self.state)
        col.addLayout(ack)

        self.acknowledge_requested.connect(controller.acknowledge_with_note)
        controller.changed.connect(self.refresh)
        snapshots.loaded.connect(self._on_evidence)
        wall.camera_updated.connect(self._camera_updated)
        self._ask_again = QTimer(self)
        self._ask_again.setSingleShot(True)
        self._ask_again.setInterval(int(ASK_AGAIN_S * 1000))
        self._ask_again.timeout.connect(self._reload)
        self.show_alert(None)

    # -- choosing -----------------------------------------------------------------------------
    def show_alert(self, alert_id: str | None) -> None:
        """Open this alert (None: nothing chosen); its snapshot is asked for at once."""
        changed = alert_id != self.alert_id
        self.alert_id = alert_id
        alert = self.current()
        camera = alert.camera_id if alert is not None else None
        if changed:
            self._ask_again.stop()
            self.note.clear()
            self.live.set_state(self.wall.state(camera) if camera else None)
            self.live.setVisible(camera is not None)
            self.live_caption.setVisible(camera is not None)
            self.live_camera_changed.emit(camera)
            if alert is None:
                self.snapshot.set_image(None, self.tr("Click an alert to see what happened: "
                                                      "its snapshot and its camera live."))
                self.snapshot_caption.clear()
            elif camera is None:
                self.snapshot.set_image(None, self.tr("This alert is not about a camera: "
                                                      "there is no picture of it."))
                self.snapshot_caption.clear()
            else:
                self.snapshot.set_image(None, self.tr("Asking for the snapshot…"))
                self.snapshot_caption.clear()
                self.snapshots.for_alert(alert.alert_id)
        self.refresh()

    def current(self) -> Alert | None:
        return self.controller.alerts.get(self.alert_id) if self.alert_id else None

    # -- showing ------------------------------------------------------------------------------
    def refresh(self) -> None:
        alert = self.current()
        for w in (self.note, self.ack_button):
            w.setEnabled(alert is not None and not alert.acknowledged)
        if alert is None:
            self.title.setText(self.tr("No alert chosen"))
            self.title.setStyleSheet("font-weight:600; padding:2px 6px;")
            self.text.clear()
            self.state.clear()
            return
        color = SEVERITY_COLORS.get(alert.severity, SEVERITY_COLORS["info"])
        camera = self.camera_name(alert.camera_id) if alert.camera_id else self.tr("no camera")
        self.title.setText(self.tr("{severity} · {camera} · {time}").format(
            severity=alert.severity.upper(), camera=camera,
            time=f"{alert.at.astimezone():%Y-%m-%d %H:%M:%S}"))
        self.title.setStyleSheet(f"font-weight:600; padding:2px 6px; border-radius:4px;"
                                 f"background:{color.name()}; color:#f0f0f0;")
        self.text.setText(alert.text)
        parts = [self.tr("Active") if alert.active else self.tr("Resolved at {time}").format(
            time=f"{alert.resolved_at.astimezone():%H:%M:%S}" if alert.resolved_at else "?")]
        if alert.acknowledged:
            when = f"{alert.acked_at.astimezone():%H:%M:%S}" if alert.acked_at else "?"
            parts.append(self.tr("acknowledged by {who} at {time}").format(who=alert.acked_by,
                                                                           time=when))
            if alert.ack_note:
                parts.append(self.tr("note: “{note}”").format(note=alert.ack_note))
        else:
            parts.append(self.tr("not acknowledged"))
        self.state.setText(" · ".join(parts))

    def _on_evidence(self, evidence: Evidence) -> None:
        if evidence.key != f"alert:{self.alert_id}":
            return  # an answer for an alert no longer open
        alert = self.current()
        if evidence.image is None:
            self.snapshot.set_image(None, self.tr("No snapshot: {why}").format(
                why=evidence.why_not))
            self.snapshot_caption.clear()
            if alert is not None and \
                    (datetime.now(UTC) - alert.at).total_seconds() < ASK_AGAIN_WHILE_S:
                self._ask_again.start()
            return
        self.snapshot.set_image(evidence.image)
        self.snapshot_caption.setText(self._caption(evidence.taken_at, alert))

    def _reload(self) -> None:
        if self.alert_id is not None:
            self.snapshots.for_alert(self.alert_id)

    def _camera_updated(self, camera_id: str) -> None:
        if self.live.state is not None and self.live.state.camera_id == camera_id:
            self.live.update()

    def _acknowledge(self) -> None:
        alert = self.current()
        if alert is not None and not alert.acknowledged:
            self.acknowledge_requested.emit(alert.alert_id, self.note.text())


    def _caption(self, taken_at: datetime | None, alert: Alert | None) -> str:
        if taken_at is None:
            return self.tr("Snapshot")
        text = self.tr("Snapshot at {time}").format(time=f"{taken_at.astimezone():%H:%M:%S}")
        if alert is not None and (before := (alert.at - taken_at).total_seconds()) >= 1:
            text += self.tr(", {seconds} s before the alert").format(seconds=round(before))
        return text
