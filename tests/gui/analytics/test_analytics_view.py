"""The analytics window against a real analytics worker and SQLite: the chart, totals and
breakdown show what is stored, CSV export holds what is shown, and every way a query can fail
ends as a sentence on screen."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from camcount_desktop import i18n
from camcount_desktop.analytics.reports_controller import ReportJob
from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from tests.helpers.analytics import at
from tests.helpers.analytics_window import CAMERA, configure_lobby, line, publish_counts, zone
from tests.helpers.waiting import until
from workers.analytics import AnalyticsWorker
from workers.contracts import CameraConfig, CameraControl
from workers.storage.models import CountEventRow

FIRST, LAST = date(2026, 3, 2), date(2026, 3, 4)


async def open_analytics(qtbot, console: Console, settings: Settings):
    window = MainWindow(console, settings)
    qtbot.addWidget(window)
    window.show()
    window.open_analytics()
    return window, window.analytics_view


async def show(view, shape: str, period: str = "Daily", first: date = FIRST,
               last: date = LAST) -> None:
    await until(lambda: view.camera_box.count() > 0, what="the cameras of the analytics worker")
    await view.controller.wait()  # the chart the window opened with is on screen first
    view.shape_box.setCurrentText(shape)
    view.period_box.setCurrentText(period)
    view.set_days(first, last)
    before = view.controller.data
    QTest.mouseClick(view.show_button, Qt.MouseButton.LeftButton)
    await until(lambda: view.controller.data is not before or "Cannot ask" in view.status.text(),
                what="the answer on screen")


async def stored_line_counts(worker: AnalyticsWorker, direction: str) -> int:
    """Straight from the database: line events of the lobby in the chosen days (Berlin)."""
    e = CountEventRow.__table__.c
    async with worker.db.sessions() as session:
        return (await session.execute(sa.select(sa.func.count()).where(
            e.camera_id == CAMERA, e.kind == "line", e.direction == direction,
            e.at >= at("2026-03-02T00:00+01:00"), e.at < at("2026-03-05T00:00+01:00")))).scalar_one()


async def test_analytics_chart_shows_the_totals_stored_in_the_database(
        qtbot, console: Console, settings: Settings, worker: AnalyticsWorker,
        tmp_path: Path) -> None:
    await configure_lobby(console)
    await publish_counts(console, worker, [
        [line("2026-03-01T23:50+01:00", "out", 6)],  # the day before: not shown
        [line("2026-03-02T10:00+01:00", "in", 1), line("2026-03-02T10:30+01:00", "in", 2)],
        [line("2026-03-02T18:00+01:00", "out", 1)],
        # 23:15 UTC on the 2nd, but the 3rd on Berlin's clocks
        [line("2026-03-03T00:15+01:00", "in", 3), line("2026-03-03T23:30+01:00", "in", 4, "car")],
        [line("2026-03-05T00:10+01:00", "in", 5)],  # the day after: not shown
        [zone("2026-03-02T09:00+01:00", "in", 10), zone("2026-03-02T09:05+01:00", "in", 11)],
        [zone("2026-03-02T09:30+01:00", "out", 10)],
        [zone("2026-03-03T12:00+01:00", "out", 11), zone("2026-03-03T12:01+01:00", "in", 12)],
    ])
    window, view = await open_analytics(qtbot, console, settings)
    await until(lambda: view.shape_box.findText("Line: Door") >= 0, what="the lobby's zone set")
    assert view.camera_box.currentText() == "Lobby (lobby)"

    await show(view, "All lines")
    assert view.chart.plotted_in() == [2, 2, 0]
    assert view.chart.plotted_out() == [1, 0, 0]
    assert (sum(view.chart.plotted_in()), sum(view.chart.plotted_out())) == (
        await stored_line_counts(worker, "in"), await stored_line_counts(worker, "out"))
    assert view.totals_label.text().startswith("In 4 · Out 1 · Net +3")
    assert "02 Mar 2026 – 04 Mar 2026" in view.totals_label.text()
    assert view.chart.occupancy_plot.isHidden(), "no occupancy for lines"
    breakdown = [[view.breakdown.topLevelItem(i).text(c) for c in range(5)]
                 for i in range(view.breakdown.topLevelItemCount())]
    assert breakdown == [["Door", "car", "1", "0", "+1"], ["Door", "person", "3", "1", "+2"]]

    view.class_box.setCurrentText("car")
    await show(view, "Line: Door")
    assert view.chart.plotted_in() == [0, 1, 0]
    assert view.totals_label.text().startswith("In 1 · Out 0 · Net +1")

    view.class_box.setCurrentText("All classes")
    await show(view, "Zone: Queue")
    assert view.chart.plotted_in() == [2, 1, 0]
    assert view.chart.plotted_out() == [1, 1, 0]
    assert list(view.chart.occupancy_curve.getData()[1]) == [1, 1, 1]
    assert list(view.chart.peak_curve.getData()[1]) == [2, 1, 1]
    assert view.chart.occupancy_plot.isVisible()
    assert view.totals_label.text().startswith(
        "Entries 3 · Exits 2 · Peak inside 2 · Inside at end 1")

    exported = tmp_path / "shown.csv"
    view.export_csv(exported)
    await until(lambda: "Exported" in view.status.text(), what="the export")
    rows = read_csv(exported)
    assert [(r["bucket_start_local"], r["in"], r["out"], r["occupancy_at_end"], r["occupancy_peak"])
            for r in rows] == [("2026-03-02T00:00+01:00", "2", "1", "1", "2"),
                               ("2026-03-03T00:00+01:00", "1", "1", "1", "1"),
                               ("2026-03-04T00:00+01:00", "0", "0", "1", "1"),
                               ("total", "3", "2", "", "2")]
    assert {r["lines_or_zones"] for r in rows} == {"Zone: Queue"}
    window.close_now()


async def test_hourly_buckets_are_labelled_in_local_time(
        qtbot, console: Console, settings: Settings, worker: AnalyticsWorker) -> None:
    await configure_lobby(console)
    await publish_counts(console, worker, [[line("2026-03-02T10:59+01:00", "in", 1),
                                            line("2026-03-02T11:00+01:00", "in", 2)]])
    window, view = await open_analytics(qtbot, console, settings)
    await show(view, "All lines", "Hourly", FIRST, FIRST)
    heights = view.chart.plotted_in()
    assert len(heights) == 24 and heights[10] == 1 and heights[11] == 1 and sum(heights) == 2
    ticks = dict(view.chart.counts_plot.getAxis("bottom")._tickLevels[0])
    assert ticks[10] == "10:00"

    # a week of hours: only as many labels as fit side by side, not 168 smeared into one
    await show(view, "All lines", "Hourly", FIRST, FIRST + timedelta(days=6))
    chart, metrics = view.chart, view.chart.fontMetrics()
    shown = chart.shown_ticks()
    assert 1 < len(shown) < 168
    widths = sum(metrics.horizontalAdvance(t) for t in shown)
    assert widths < chart.counts_plot.getAxis("bottom").width(), "axis labels overlap"
    window.close_now()


async def test_an_empty_range_says_nothing_was_counted(
        qtbot, console: Console, settings: Settings, worker: AnalyticsWorker) -> None:
    await configure_lobby(console)
    await publish_counts(console, worker, [[line("2026-03-02T10:00+01:00", "in", 1)]])
    window, view = await open_analytics(qtbot, console, settings)
    await show(view, "All lines", first=date(2026, 1, 5), last=date(2026, 1, 6))
    assert "Nothing counted for lobby · All lines in 05 Jan 2026 – 06 Jan 2026" in view.status.text()
    assert view.chart.plotted_in() == [0, 0]
    assert view.totals_label.text().startswith("In 0 · Out 0 · Net +0")
    window.close_now()


async def test_a_query_too_large_to_answer_shows_the_reason(
        qtbot, console: Console, settings: Settings, worker: AnalyticsWorker) -> None:
    await configure_lobby(console)
    await publish_counts(console, worker, [[line("2026-03-02T10:00+01:00", "in", 1)]])
    window, view = await open_analytics(qtbot, console, settings)
    await show(view, "All lines", "Hourly", date(2024, 1, 1), LAST)
    assert view.status.text() == ("Cannot ask for that: a series of hourly buckets spans at most "
                                  "400 days")
    window.close_now()


async def test_without_an_analytics_worker_the_window_says_so_instead_of_waiting(
        qtbot, console: Console, settings: Settings) -> None:
    console.analytics.client.timeout = 0.5
    window, view = await open_analytics(qtbot, console, settings)
    await until(lambda: "No analytics worker answered within 0.5 s" in view.status.text(),
                what="the timeout on screen")
    assert view.camera_box.count() == 0
    window.close_now()


async def test_without_an_analytics_worker_the_window_says_so_in_its_language(
        qtbot, console: Console, settings: Settings) -> None:
    i18n.install("vi")
    try:
        console.analytics.client.timeout = 0.5
        window, view = await open_analytics(qtbot, console, settings)
        await until(lambda: "giây" in view.status.text(), what="the timeout, in Vietnamese")
        assert view.status.text() == ("Không có worker analytics nào trả lời trong 0.5 giây. Có "
                                      "worker nào đang chạy (camcount-worker analytics) trên "
                                      "broker này không?")
        window.close_now()
    finally:
        i18n.uninstall()


async def test_a_requested_report_reaches_100_percent_and_links_the_file(
        qtbot, console: Console, settings: Settings, worker: AnalyticsWorker) -> None:
    await configure_lobby(console)
    await publish_counts(console, worker, [
        [line("2026-03-02T10:00+01:00", "in", 1), line("2026-03-03T11:00+01:00", "in", 2)],
        [line("2026-03-04T12:00+01:00", "out", 1)]])
    window, view = await open_analytics(qtbot, console, settings)
    await until(lambda: view.camera_box.count() > 0, what="the cameras")
    view.set_days(FIRST, LAST)
    panel = view.reports_panel

    async def request(fmt: str) -> Path:
        panel.type_box.setCurrentIndex(panel.type_box.findData("custom"))
        panel.format_box.setCurrentText(fmt)
        listed = panel.tree.topLevelItemCount()
        QTest.mouseClick(panel.request_button, Qt.MouseButton.LeftButton)
        await until(lambda: panel.tree.topLevelItemCount() == listed + 1, what="the request listed")
        report_id = next(iter(reversed(console.reports.jobs)))
        await until(lambda: panel.progress_bar(report_id).value() == 100, timeout=20,
                    what=f"the {fmt} report at 100 %")
        assert panel.tree.topLevelItem(0).text(2) == "02 Mar 2026 – 04 Mar 2026"
        return linked_file(panel.status_label(report_id).text(), console.reports.jobs[report_id])

    csv_file = await request("CSV")
    assert linked_file_is_pdf(await request("PDF"))
    rows = read_csv(csv_file)
    assert sum(int(r["count_in"]) for r in rows) == 2
    assert sum(int(r["count_out"]) for r in rows) == 1
    window.close_now()


async def test_a_report_no_worker_takes_says_so(
        qtbot, console: Console, settings: Settings) -> None:
    console.reports.silence_s = 0.3
    start, end = at("2026-03-02T00:00+01:00"), at("2026-03-03T00:00+01:00")
    window, view = await open_analytics(qtbot, console, settings)
    waiting = await console.reports.request("daily_summary", "csv", [CAMERA], start, end,
                                            "Europe/Berlin")
    panel = view.reports_panel
    await until(lambda: "no analytics worker has taken it" in panel.status_label(
        waiting.report_id).text(), what="the silence explained")
    assert panel.progress_bar(waiting.report_id).value() == 0
    window.close_now()


async def test_a_refused_report_says_why(
        qtbot, console: Console, settings: Settings, worker: AnalyticsWorker) -> None:
    start, end = at("2026-03-02T00:00+01:00"), at("2026-03-03T00:00+01:00")
    window, view = await open_analytics(qtbot, console, settings)
    ghost = await console.reports.request("daily_summary", "pdf", ["ghost"], start, end,
                                          "Europe/Berlin")
    await until(lambda: console.reports.jobs[ghost.report_id].finished, what="the refusal")
    status = view.reports_panel.status_label(ghost.report_id).text()
    assert "failed: unknown camera(s) ghost" in status
    window.close_now()


def linked_file(link: str, job: ReportJob) -> Path:
    """The finished file the status links to: it exists, and the link opens it."""
    path = Path(job.path or "")
    assert path.is_file(), job
    assert f'href="{path.as_uri()}"' in link, link
    # linked by its file name, which says what it is (not a UUID)
    assert f">{path.name}</a>" in link, link
    local_start = job.start.astimezone(ZoneInfo(job.timezone)).strftime("%Y-%m-%d")
    assert local_start in path.name and job.report_id not in link
    return path


def linked_file_is_pdf(path: Path) -> bool:
    return path.suffix == ".pdf" and path.read_bytes().startswith(b"%PDF")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


async def _configure_empty_camera(console: Console) -> None:
    """A camera listed before the lobby (by id) that never counted anything."""
    t = console.bus.topology
    await console.bus.publish(t.camera_events, t.control_key("a-back"), CameraControl(
        camera_id="a-back", action="configure",
        config=CameraConfig(camera_id="a-back", name="Back door", source="0")))


async def test_the_window_opens_on_a_chart_with_every_column_on_screen(
        qtbot, console: Console, settings: Settings, worker: AnalyticsWorker) -> None:
    await _configure_empty_camera(console)
    await configure_lobby(console)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    await publish_counts(console, worker, [[line(yesterday, "in", 1)]])
    window, view = await open_analytics(qtbot, console, settings)
    # no click on Show: the last week of a camera that counted something is charted at once,
    # not the empty 0-1 axes of the first camera listed, which never counted anything
    await until(lambda: view.controller.data is not None, what="a chart without asking")
    assert view.camera_box.currentData() == CAMERA and view.camera_box.count() == 2
    assert view.totals_label.text().startswith("In 1 ")
    assert view.controller.counted == {CAMERA}
    header = view.breakdown.header()
    right = header.sectionPosition(4) + header.sectionSize(4)
    assert right <= view.breakdown.viewport().width(), "the Net column is on screen"


async def test_with_no_recent_counts_the_window_says_so_and_draws_no_empty_chart(
        qtbot, console: Console, settings: Settings, worker: AnalyticsWorker) -> None:
    await _configure_empty_camera(console)
    await configure_lobby(console)
    await publish_counts(console, worker, [[line("2026-03-02T10:00+01:00", "in", 1)]])  # long ago
    window, view = await open_analytics(qtbot, console, settings)
    await until(lambda: "none has counted" in view.status.text(), what="the plain sentence")
    assert view.status.text() == ("2 cameras known to the analytics worker; none has counted "
                                  "anything in the last 7 days.")
    assert view.controller.data is None and view.totals_label.text() == ""
    window.close_now()
