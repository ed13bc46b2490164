"""Report requests: what to ask for, and one row per request with its progress bar, what the
worker says, and a link to the finished file."""

from __future__ import annotations

import html
from collections.abc import Callable
from zoneinfo import ZoneInfo

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QUrl, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from camcount_desktop.analytics.model import span_text
from camcount_desktop.analytics.reports_controller import ReportJob, ReportsController

REPORT_TYPES = {"daily_summary": QT_TRANSLATE_NOOP("ReportsPanel", "Daily summary (last day chosen)"),
                "weekly_summary": QT_TRANSLATE_NOOP("ReportsPanel", "Weekly summary (its week)"),
                "monthly_summary": QT_TRANSLATE_NOOP("ReportsPanel", "Monthly summary (its month)"),
                "custom": QT_TRANSLATE_NOOP("ReportsPanel", "Custom (the days chosen)")}
#: a report's name in the list and its link
REPORT_NAMES = {"daily_summary": QT_TRANSLATE_NOOP("ReportsPanel", "daily summary"),
                "weekly_summary": QT_TRANSLATE_NOOP("ReportsPanel", "weekly summary"),
                "monthly_summary": QT_TRANSLATE_NOOP("ReportsPanel", "monthly summary"),
                "custom": QT_TRANSLATE_NOOP("ReportsPanel", "custom")}
COLUMNS = [QT_TRANSLATE_NOOP("ReportsPanel", "Report"), QT_TRANSLATE_NOOP("ReportsPanel", "Cameras"),
           QT_TRANSLATE_NOOP("ReportsPanel", "Range"), QT_TRANSLATE_NOOP("ReportsPanel", "Progress"),
           QT_TRANSLATE_NOOP("ReportsPanel", "Status")]


class ReportsPanel(QGroupBox):
    #: report type, format, whether for every camera
    requested = Signal(str, str, bool)

    def __init__(self, controller: ReportsController, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTitle(self.tr("Reports"))
        self.controller = controller
        #: what people call a camera (its id until the window knows its name)
        self.name_of: Callable[[str], str] = lambda camera_id: camera_id
        self.type_box = QComboBox()
        for key, text in REPORT_TYPES.items():
            self.type_box.addItem(self.tr(text), key)
        self.format_box = QComboBox()
        self.format_box.addItem(self.tr("PDF"), "pdf")
        self.format_box.addItem(self.tr("CSV"), "csv")
        self.cameras_box = QComboBox()
        self.cameras_box.addItems([self.tr("This camera"), self.tr("All cameras")])
        self.request_button = QPushButton(self.tr("Request report"))
        self.request_button.clicked.connect(lambda: self.requested.emit(
            self.type_box.currentData(), self.format_box.currentData(),
            self.cameras_box.currentIndex() == 1))
        row = QHBoxLayout()
        for widget in (self.type_box, self.format_box, self.cameras_box, self.request_button):
            row.addWidget(widget)
        row.addStretch(1)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr(c) for c in COLUMNS])
        self.tree.setRootIsDecorated(False)
        for col, width in enumerate((150, 120, 190, 130)):
            self.tree.setColumnWidth(col, width)
        col = QVBoxLayout(self)
        col.addLayout(row)
        col.addWidget(self.tree)
        self._items: dict[str, QTreeWidgetItem] = {}
        controller.changed.connect(self.refresh)

    def refresh(self, report_id: str) -> None:
        job = self.controller.jobs[report_id]
        item = self._items.get(report_id)
        if item is None:
            item = QTreeWidgetItem([f"{_name(job)} · {job.format.upper()}",
                                    ", ".join(self.name_of(c) for c in job.camera_ids),
                                    _range(job)])
            self.tree.insertTopLevelItem(0, item)  # newest first
            self._items[report_id] = item
            self.tree.setItemWidget(item, 3, QProgressBar())
            status = QLabel()
            status.setOpenExternalLinks(True)
            self.tree.setItemWidget(item, 4, status)
        self.progress_bar(report_id).setValue(round(job.percent))
        self.status_label(report_id).setText(_status(job))
        self.status_label(report_id).setToolTip(job.path or job.detail)

    def progress_bar(self, report_id: str) -> QProgressBar:
        bar = self.tree.itemWidget(self._items[report_id], 3)
        assert isinstance(bar, QProgressBar)
        return bar

    def status_label(self, report_id: str) -> QLabel:
        label = self.tree.itemWidget(self._items[report_id], 4)
        assert isinstance(label, QLabel)
        return label


def _range(job: ReportJob) -> str:
    return span_text(job.start, job.end, ZoneInfo(job.timezone))


def _name(job: ReportJob) -> str:
    name = REPORT_NAMES.get(job.report_type)
    return QCoreApplication.translate("ReportsPanel", name) if name else job.report_type


def _status(job: ReportJob) -> str:
    if job.state == "done":
        if (file := job.local_file) is not None:
            # its file name says what it is: the report, its cameras, its days
            what = html.escape(file.name)
            return f'<a href="{QUrl.fromLocalFile(str(file)).toString()}">{what}</a>'
        return html.escape(QCoreApplication.translate(
            "ReportsPanel", "done; stored on the analytics server at {path}").format(path=job.path))
    if job.state == "failed":
        failed = QCoreApplication.translate("ReportsPanel", "failed: {why}").format(
            why=html.escape(job.detail))
        return f'<span style="color:#d04040">{failed}</span>'
    return html.escape(job.detail)
