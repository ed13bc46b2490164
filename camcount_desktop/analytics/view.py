"""The analytics window: pick a camera, a line or zone (or all of them), or a site, a class, a
bucket size and whole local days; see in/out (and occupancy for zones and sites) per bucket
with the totals, a breakdown by line/zone and class, the count events of a bucket with their
snapshots, export it as CSV, and request reports."""

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
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from camcount_desktop.analytics.chart_view import CountsChart
from camcount_desktop.analytics.controller import AnalyticsController
from camcount_desktop.analytics.events_controller import BucketEventsController
from camcount_desktop.analytics.events_view import BucketEventsPanel
from camcount_desktop.analytics.model import ChartData, Selection, report_range, span_text
from camcount_desktop.analytics.reports_controller import ReportsController
from camcount_desktop.analytics.reports_view import ReportsPanel
from camcount_desktop.analytics.routes_controller import RoutesController
from camcount_desktop.analytics.routes_view import RoutesPanel
from camcount_desktop.heatmap.controller import HeatmapController
from camcount_desktop.heatmap.panel import HeatmapPanel
from camcount_desktop.i18n import number
from camcount_desktop.screen_fit import fit_to_screen
from camcount_desktop.sites.controller import SitesController

PERIODS = {"hourly": QT_TRANSLATE_NOOP("AnalyticsView", "Hourly"),
           "daily": QT_TRANSLATE_NOOP("AnalyticsView", "Daily"),
           "weekly": QT_TRANSLATE_NOOP("AnalyticsView", "Weekly"),
           "monthly": QT_TRANSLATE_NOOP("AnalyticsView", "Monthly")}
LEVEL_STYLE = {"info": "", "warning": "color:#c98a12;", "error": "color:#d04040; font-weight:600;"}
#: days shown when the window opens: the last week, today included
DEFAULT_DAYS = 7


class AnalyticsView(QWidget):
    def __init__(self, controller: AnalyticsController, reports: ReportsController,
                 parent: QWidget | None = None, *, events: BucketEventsController | None = None,
                 heatmaps: HeatmapController | None = None, sites: SitesController | None = None):
        """``events``: lists a bucket's count events with their snapshots (a panel of its own
        under the chart; none without it). ``heatmaps``: show a Heatmap toggle (the chosen
        camera and days over its picture). ``sites``: a Site choice, charting a stored site's
        occupancy in place of a camera's counts."""
        super().__init__(parent)
        self.controller, self.reports, self.sites = controller, reports, sites
        self.setWindowTitle(self.tr("CamCount — Analytics"))
        self._asked_cameras = False
        #: the first list of cameras shows a chart at once: the window never opens on empty axes
        self._shown_once = False
        self._tasks: set[asyncio.Task[object]] = set()

        self.camera_box, self.shape_box, self.class_box = QComboBox(), QComboBox(), QComboBox()
        self.site_box = QComboBox()
        self.site_box.addItem(self.tr("None: a camera"), None)
        self.site_box.setVisible(sites is not None)
        for box in (self.camera_box, self.shape_box, self.class_box, self.site_box):
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
        # two rows: on one, the names ("All classes", a long zone name) were squeezed and cut
        # at 1280 px
        what, when = QHBoxLayout(), QHBoxLayout()
        for row, text, widget in ((what, self.tr("Camera"), self.camera_box),
                                  (what, self.tr("Lines/zones"), self.shape_box),
                                  (what, self.tr("Class"), self.class_box),
                                  (when, self.tr("Buckets"), self.period_box),
                                  (when, self.tr("From"), self.from_edit),
                                  (when, self.tr("To"), self.to_edit)):
            row.addWidget(QLabel(text))
            row.addWidget(widget)
        self.site_label = QLabel(self.tr("Site"))
        self.site_label.setVisible(sites is not None)
        what.addWidget(self.site_label)
        what.addWidget(self.site_box)
        what.addStretch(1)
        what.addWidget(self.reload_button)
        when.addStretch(1)
        self.heatmap_button = QPushButton(self.tr("Heatmap"))
        self.heatmap_button.setCheckable(True)
        self.heatmap_button.setToolTip(self.tr(
            "Where people walked and stood on the chosen camera and days, over its picture"))
        self.heatmap_button.setVisible(heatmaps is not None)
        for button in (self.show_button, self.export_button, self.heatmap_button):
            when.addWidget(button)
        controls = QVBoxLayout()
        controls.addLayout(what)
        controls.addLayout(when)

        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.totals_label = QLabel("")
        self.totals_label.setStyleSheet("font-size:15px; font-weight:600; padding:4px;")
        self.totals_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.totals_label.setWordWrap(True)  # never what keeps the breakdown narrow
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
        self.heatmap = HeatmapPanel(heatmaps) if heatmaps is not None else None
        self.chart_stack = QStackedWidget()
        self.chart_stack.addWidget(self.chart)
        if self.heatmap is not None:
            self.chart_stack.addWidget(self.heatmap)
            self.heatmap.message.connect(self.say)
        left_col.addWidget(self.chart_stack, 1)
        # owned by the console's controller, which outlives this window and its last answer
        self.routes = RoutesPanel(RoutesController(controller.client, controller))
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.breakdown)
        right.addWidget(self.routes)
        right.setSizes([140, 460])
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([840, 440])  # the breakdown's names read whole beside a wide chart
        self.reports_panel = ReportsPanel(reports)
        self.reports_panel.name_of = self._camera_name

        col = QVBoxLayout(self)
        col.addLayout(controls)
        col.addWidget(self.status)
        self.events_panel = BucketEventsPanel(events) if events is not None else None
        if self.events_panel is None:
            col.addWidget(split, 3)
        else:  # the chart over the events of one of its buckets, the divider to taste
            upright = QSplitter(Qt.Orientation.Vertical)
            upright.addWidget(split)
            upright.addWidget(self.events_panel)
            upright.setSizes([560, 240])  # the figures first; the events when asked for
            col.addWidget(upright, 5)
            events.message.connect(self.say)
        col.addWidget(self.reports_panel, 1)
        fit_to_screen(self, 1280, 820 if self.events_panel is None else 900)

        self.reload_button.clicked.connect(controller.load_cameras)
        self.show_button.clicked.connect(self.show_chart)
        self.heatmap_button.toggled.connect(self.set_heatmap_shown)
        self.export_button.clicked.connect(lambda: self.export_csv())
        self.camera_box.currentIndexChanged.connect(self._fill_shapes)
        self.site_box.currentIndexChanged.connect(self._site_picked)
        if sites is not None:
            sites.changed.connect(self._fill_sites)
        self.reports_panel.requested.connect(self.request_report)
        controller.cameras_changed.connect(self._fill_cameras)
        controller.shown.connect(self._show_data)
        controller.message.connect(self.say)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._asked_cameras:  # the first time the window opens, not at console start
            self._asked_cameras = True
            self.controller.load_cameras()
            if self.sites is not None:
                self.controller.track("sites", self.sites.load())

    def _camera_name(self, camera_id: str) -> str:
        return next((c.name for c in self.controller.cameras
                     if c.camera_id == camera_id and c.name), camera_id)

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
        first_time = not self._shown_once and bool(self.controller.cameras)
        if first_time:  # open on a camera that counted something (the first listed)
            current = next((c.camera_id for c in self.controller.cameras
                            if c.camera_id in self.controller.counted), current)
        index = self.camera_box.findData(current)
        self.camera_box.setCurrentIndex(max(index, 0))
        self.camera_box.blockSignals(False)
        self._fill_shapes()
        if first_time and self.controller.counted:  # else the status line says there is none
            self._shown_once = True
            self.show_chart()

    def _fill_sites(self) -> None:
        assert self.sites is not None
        current = self.site_box.currentData()
        self.site_box.blockSignals(True)
        self.site_box.clear()
        self.site_box.addItem(self.tr("None: a camera"), None)
        for site in self.sites.sites:
            self.site_box.addItem(site.name, site.id)
        self.site_box.setCurrentIndex(max(self.site_box.findData(current), 0))
        self.site_box.blockSignals(False)
        self._site_picked()

    def pick_site(self, site_id: str | None) -> None:
        self.site_box.setCurrentIndex(max(self.site_box.findData(site_id), 0))

    def _site_picked(self) -> None:
        """A site's chart is of its doors and zones: the camera and its shapes do not apply."""
        on_site = self.site_box.currentData() is not None
        self.camera_box.setEnabled(not on_site)
        self.shape_box.setEnabled(not on_site)
        self.heatmap_button.setEnabled(not on_site)

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
        site_id = self.site_box.currentData()
        if camera_id is None and site_id is None:
            self.say(self.tr("No camera to show: the analytics worker has not counted any yet."),
                     "warning")
            return None
        first, last = self.from_edit.date().toPython(), self.to_edit.date().toPython()
        if last < first:
            self.say(self.tr("The To day is before the From day."), "error")
            return None
        kind, shape_id = self.shape_box.currentData() or ("line", None)
        return Selection(camera_id or "", self.period_box.currentData(), first, last,
                         self.controller.timezone, kind, shape_id, self.class_box.currentData(),
                         site_id)

    def set_days(self, first: date, last: date) -> None:
        self.from_edit.setDate(QDate(first))
        self.to_edit.setDate(QDate(last))

    # -- actions ------------------------------------------------------------------------------
    def show_chart(self) -> None:
        if (sel := self.selection()) is None:
            return
        if sel.site_id is not None:
            self.chart_stack.setCurrentWidget(self.chart)
            self.controller.show(sel, self.site_box.currentText())
        elif self.heatmap is not None and self.heatmap_button.isChecked():
            self.heatmap.show_period(sel.camera_id, sel.start, sel.end,
                                     span_text(sel.start, sel.end, sel.tz))
        else:
            self.controller.show(sel, self.shape_box.currentText())

    def set_heatmap_shown(self, on: bool) -> None:
        """The heatmap of the chosen camera and days in place of the chart (and back)."""
        if self.heatmap is None:
            return
        self.heatmap_button.setChecked(on)
        self.chart_stack.setCurrentWidget(self.heatmap if on else self.chart)
        self.show_chart()

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
        self.export_button.setEnabled(True)
        if data.is_site:
            self._show_site(data)
            return
        self.routes.controller.show(data.selection.camera_id, *data.span,
                                    class_name=data.selection.class_name)
        sel = data.selection
        classes = sel.class_name or self.tr("all classes")  # out of the f-string: lupdate sees it
        what = f"{data.shape_label} · {classes} · {span_text(*data.span, sel.tz)}"
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
        if self.events_panel is not None:
            self.events_panel.set_chart(data, names)
        self.breakdown.clear()
        self._add_classes({r.class_name for r in data.breakdown})
        for r in data.breakdown:
            self.breakdown.addTopLevelItem(QTreeWidgetItem([
                names.get(r.shape_id, r.shape_id), r.class_name, str(r.count_in), str(r.count_out),
                f"{r.count_in - r.count_out:+d}"]))


    def _show_site(self, data: ChartData) -> None:
        sel = data.selection
        figures = self.tr("Peak inside {peak} · Inside at end {end}").format(
            peak=number(data.peak), end=number(data.rows[-1].occupancy or 0))
        if data.rows[-1].corrected is not None:
            figures += " · " + self.tr("corrected {n}").format(
                n=number(data.rows[-1].corrected))
        if data.limit is not None:
            figures += " · " + self.tr("maximum {n}").format(n=number(data.limit))
        classes = sel.class_name or self.tr("all classes")  # out of the f-string: lupdate sees it
        what = f"{data.shape_label} · {classes} · {span_text(*data.span, sel.tz)}"
        self.totals_label.setText(f"{figures}    ({what})")
        self.breakdown.clear()


def _date_edit(day: QDate) -> QDateEdit:
    edit = QDateEdit(day)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat(QLocale().dateFormat(QLocale.FormatType.ShortFormat))
    return edit
