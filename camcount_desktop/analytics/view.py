"""The analytics window: pick a camera, a line or zone (or all of them), a class, a bucket size
and whole local days; see in/out (and occupancy for zones) per bucket with the totals, a
breakdown by line/zone and class, export it as CSV, and request reports."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QDate, QLocale, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
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

from camcount_desktop.analytics.chart_view import CountsChart
from camcount_desktop.analytics.controller import AnalyticsController
from camcount_desktop.analytics.model import ChartData, Selection, report_range, span_text
from camcount_desktop.analytics.reports_controller import ReportsController
from camcount_desktop.analytics.reports_view import ReportsPanel
from camcount_desktop.analytics.routes_controller import RoutesController
from camcount_desktop.analytics.routes_view import RoutesPanel
from camcount_desktop.i18n import number

PERIODS = {"hourly": QT_TRANSLATE_NOOP("AnalyticsView", "Hourly"),
           "daily": QT_TRANSLATE_NOOP("AnalyticsView", "Daily"),
           "weekly": QT_TRANSLATE_NOOP("AnalyticsView", "Weekly"),
           "monthly": QT_TRANSLATE_NOOP("AnalyticsView", "Monthly")}
LEVEL_STYLE = {"info": "", "warning": "color:#c98a12;", "error": "color:#d04040; font-weight:600;"}
#: days shown when the window opens: the last week, today included
DEFAULT_DAYS = 7


class AnalyticsView(QWidget):
    def __init__(self, controller: AnalyticsController, reports: ReportsController,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.controller, self.reports = controller, reports
        self.setWindowTitle(self.tr("CamCount — Analytics"))
        self._asked_cameras = False
        #: the first list of cameras shows a chart at once: the window never opens on empty axes
        self._shown_once = False
        self._tasks: set[asyncio.Task[object]] = set()

        self.camera_box, self.shape_box, self.class_box = QComboBox(), QComboBox(), QComboBox()
        for box in (self.camera_box, self.shape_box, self.class_box):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.period_box = QComboBox()
        for key, text in PERIODS.items():
            self.period_box.addItem(self.tr(text), key)
        self.period_box.setCurrentIndex(1)
        today = QDate.currentDate()
        self.from_edit = _date_edit(today.addDays(1 - DEFAULT_DAYS))
        self.to_edit = _date_edit(today)
        self.reload_button = QPushButton(self.tr("Reload cameras"))
        self.show_button = QPushButton(self.tr("Show"))
        self.show_button.setDefault(True)
        self.export_button = QPushButton(self.tr("Export CSV…"))
        self.export_button.setEnabled(False)
        controls = QHBoxLayout()
        for text, widget in ((self.tr("Camera"), self.camera_box),
                             (self.tr("Lines/zones"), self.shape_box),
                             (self.tr("Class"), self.class_box), (self.tr("Buckets"), self.period_box),
                             (self.tr("From"), self.from_edit), (self.tr("To"), self.to_edit)):
            controls.addWidget(QLabel(text))
            controls.addWidget(widget)
        controls.addStretch(1)
        for button in (self.reload_button, self.show_button, self.export_button):
            controls.addWidget(button)

        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.totals_label = QLabel("")
        self.totals_label.setStyleSheet("font-size:15px; font-weight:600; padding:4px;")
        self.totals_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.chart = CountsChart()
        self.breakdown = QTreeWidget()
        self.breakdown.setHeaderLabels([self.tr("Line/zone"), self.tr("Class"), self.tr("In"),
                                        self.tr("Out"), self.tr("Net")])
        self.breakdown.setRootIsDecorated(False)
        # figures as wide as they need, all on screen; the names take the rest
        header = self.breakdown.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        left = QWidget()
        left_col = QVBoxLayout(left)
        left_col.setContentsMargins(0, 0, 0, 0)
        left_col.addWidget(self.totals_label)
        left_col.addWidget(self.chart, 1)
        # owned by the console's controller, which outlives this window and its last answer
        self.routes = RoutesPanel(RoutesController(controller.client, controller))
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.breakdown)
        right.addWidget(self.routes)
        right.setSizes([140, 460])
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([760, 440])
        self.reports_panel = ReportsPanel(reports)

        col = QVBoxLayout(self)
        col.addLayout(controls)
        col.addWidget(self.status)
        col.addWidget(split, 3)
        col.addWidget(self.reports_panel, 1)
        self.resize(1280, 820)

        self.reload_button.clicked.connect(controller.load_cameras)
        self.show_button.clicked.connect(self.show_chart)
        self.export_button.clicked.connect(lambda: self.export_csv())
        self.camera_box.currentIndexChanged.connect(self._fill_shapes)
        self.reports_panel.requested.connect(self.request_report)
        controller.cameras_changed.connect(self._fill_cameras)
        controller.shown.connect(self._show_data)
        controller.message.connect(self.say)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._asked_cameras:  # the first time the window opens, not at console start
            self._asked_cameras = True
            self.controller.load_cameras()

    def say(self, text: str, level: str = "info") -> None:
        self.status.setText(text)
        self.status.setStyleSheet(LEVEL_STYLE.get(level, ""))

    # -- choices ------------------------------------------------------------------------------
    def _fill_cameras(self) -> None:
        current = self.camera_box.currentData()
        self.camera_box.blockSignals(True)
        self.camera_box.clear()
        for cam in self.controller.cameras:
            name = cam.name or cam.camera_id
            self.camera_box.addItem(name if name == cam.camera_id else f"{name} ({cam.camera_id})",
                                    cam.camera_id)
        index = self.camera_box.findData(current)
        self.camera_box.setCurrentIndex(max(index, 0))
        self.camera_box.blockSignals(False)
        self._fill_shapes()
        if not self._shown_once and self.controller.cameras:
            self._shown_once = True
            self.show_chart()

    def _fill_shapes(self) -> None:
        shapes = self.controller.shapes.get(self.camera_box.currentData() or "", [])
        self.shape_box.clear()
        self.shape_box.addItem(self.tr("All lines"), ("line", None))
        self.shape_box.addItem(self.tr("All zones"), ("zone", None))
        for s in shapes:
            self.shape_box.addItem((self.tr("Line: {name}") if s.kind == "line"
                                    else self.tr("Zone: {name}")).format(name=s.label),
                                   (s.kind, s.shape_id))
        self.class_box.clear()
        self.class_box.addItem(self.tr("All classes"), None)
        self._add_classes({"person", *(c for s in shapes for c in s.classes)})

    def _add_classes(self, names: set[str]) -> None:
        """Classes to pick from: the zone set's, and every class counted in a chart shown."""
        known = {self.class_box.itemData(i) for i in range(self.class_box.count())}
        for name in sorted(names - known):
            self.class_box.addItem(name, name)

    def selection(self) -> Selection | None:
        camera_id = self.camera_box.currentData()
        if camera_id is None:
            self.say(self.tr("No camera to show: the analytics worker has not counted any yet."),
                     "warning")
            return None
        first, last = self.from_edit.date().toPython(), self.to_edit.date().toPython()
        if last < first:
            self.say(self.tr("The To day is before the From day."), "error")
            return None
        kind, shape_id = self.shape_box.currentData()
        return Selection(camera_id, self.period_box.currentData(), first, last,
                         self.controller.timezone, kind, shape_id, self.class_box.currentData())

    def set_days(self, first: date, last: date) -> None:
        self.from_edit.setDate(QDate(first))
        self.to_edit.setDate(QDate(last))

    # -- actions ------------------------------------------------------------------------------
    def show_chart(self) -> None:
        if (sel := self.selection()) is not None:
            self.controller.show(sel, self.shape_box.currentText())

    def export_csv(self, path: Path | None = None) -> None:
        """Save what is shown; asks where unless told."""
        if path is None:
            data = self.controller.data
            suggested = f"camcount-{data.selection.camera_id}-{data.selection.period}.csv" if data else ""
            chosen, _ = QFileDialog.getSaveFileName(self, self.tr("Export what is shown"), suggested,
                                                    self.tr("CSV files (*.csv)"))
            if not chosen:
                return
            path = Path(chosen)
        self._spawn(self.controller.export_csv(path))

    def request_report(self, report_type: str, fmt: str, every_camera: bool) -> None:
        sel = self.selection()
        if sel is None:
            return
        cameras = [c.camera_id for c in self.controller.cameras] if every_camera else [sel.camera_id]
        start, end = report_range(report_type, sel.first_day, sel.last_day, sel.tz)  # type: ignore[arg-type]
        self._spawn(self.reports.request(report_type, fmt, cameras, start, end, sel.timezone))

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- showing ------------------------------------------------------------------------------
    def _show_data(self, data: ChartData) -> None:
        self.chart.set_data(data)
        self.routes.controller.show(data.selection.camera_id, *data.span,
                                    class_name=data.selection.class_name)
        self.export_button.setEnabled(True)
        sel = data.selection
        what = f"{data.shape_label} · {sel.class_name or self.tr('all classes')} · " \
               f"{span_text(*data.span, sel.tz)}"
        if data.is_zone:
            figures = self.tr("Entries {n_in} · Exits {n_out} · Peak inside {peak} · Inside at end "
                              "{end}").format(n_in=number(data.total_in), n_out=number(data.total_out),
                                              peak=number(data.peak),
                                              end=number(data.rows[-1].occupancy))
        else:
            figures = self.tr("In {n_in} · Out {n_out} · Net {net}").format(
                n_in=number(data.total_in), n_out=number(data.total_out),
                net=f"{data.total_in - data.total_out:+d}")
        self.totals_label.setText(f"{figures}    ({what})")
        names = {s.shape_id: s.label for s in self.controller.shapes.get(sel.camera_id, [])}
        self.breakdown.clear()
        self._add_classes({r.class_name for r in data.breakdown})
        for r in data.breakdown:
            self.breakdown.addTopLevelItem(QTreeWidgetItem([
                names.get(r.shape_id, r.shape_id), r.class_name, str(r.count_in), str(r.count_out),
                f"{r.count_in - r.count_out:+d}"]))


def _date_edit(day: QDate) -> QDateEdit:
    edit = QDateEdit(day)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat(QLocale().dateFormat(QLocale.FormatType.ShortFormat))
    return edit
