"""What the analytics window asks for and shows, without Qt: the selection as UTC instants, the
chart's rows and totals, axis labels, the CSV export, and the date range of a report."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_skeleton

from workers.analytics.buckets import Period, bucket_of
from workers.contracts.queries import TotalRow

ShapeKind = Literal["line", "zone"]
#: the console's language when not English (``camcount_desktop.i18n.install`` sets it): dates in
#: labels are then written the way that locale writes them (Babel's CLDR data)
DATE_LOCALE: str | None = None
#: "week 12 (16 Mar)" in the console's languages
WEEK = {"vi": "tuần {n} ({day})", "ru": "неделя {n} ({day})", "ko": "{n}주차 ({day})"}
ReportType = Literal["daily_summary", "weekly_summary", "monthly_summary", "custom"]


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class Selection:
    """One chart: a camera's lines or zones (one of them, or all of a kind), a class or all,
    in buckets of ``period`` over whole local days ``first_day`` to ``last_day``."""

    camera_id: str
    period: Period
    first_day: date
    last_day: date
    timezone: str
    shape_kind: ShapeKind = "line"
    shape_id: str | None = None
    class_name: str | None = None
    #: a stored site: its occupancy in place of the camera's counts
    site_id: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def start(self) -> datetime:
        return local_midnight(self.first_day, self.tz)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last_day + timedelta(days=1), self.tz)


@dataclass(frozen=True)
class ChartRow:
    start: datetime
    end: datetime
    count_in: int
    count_out: int
    #: zones only: inside at the bucket's end, and the most at once during it
    occupancy: int | None = None
    peak: int | None = None
    #: zones with an average visit set: the occupancy corrected by it (the raw one drifts)
    corrected: int | None = None

    @property
    def net(self) -> int:
        return self.count_in - self.count_out


@dataclass(frozen=True)
class ChartData:
    selection: Selection
    #: "All lines", "Entrance", ... as the user picked it
    shape_label: str
    rows: list[ChartRow]
    #: totals by line/zone and class over the buckets shown
    breakdown: list[TotalRow] = field(default_factory=list)
    #: a site's chart: its maximum occupancy, if it has one
    limit: int | None = None

    @property
    def total_in(self) -> int:
        return sum(r.count_in for r in self.rows)

    @property
    def total_out(self) -> int:
        return sum(r.count_out for r in self.rows)

    @property
    def is_zone(self) -> bool:
        return self.selection.shape_kind == "zone"

    @property
    def is_site(self) -> bool:
        return self.selection.site_id is not None

    @property
    def has_occupancy(self) -> bool:
        return self.is_zone or self.is_site

    @property
    def peak(self) -> int:
        return max((r.peak or 0 for r in self.rows), default=0)

    @property
    def empty(self) -> bool:
        return self.total_in == 0 and self.total_out == 0 and self.peak == 0

    @property
    def span(self) -> tuple[datetime, datetime]:
        """What the buckets cover: whole weeks or months may reach past the chosen days."""
        return self.rows[0].start, self.rows[-1].end

    def labels(self) -> list[str]:
        long_hours = self.selection.last_day > self.selection.first_day
        return [bucket_label(self.selection.period, r.start, self.selection.tz, long_hours)
                for r in self.rows]


def bucket_label(period: Period, start: datetime, tz: ZoneInfo, with_day: bool = True) -> str:
    local = start.astimezone(tz)
    if DATE_LOCALE is not None:
        return _localized_label(period, local, with_day, DATE_LOCALE)
    if period == "hourly":
        return local.strftime("%d %b %H:%M" if with_day else "%H:%M")
    if period == "daily":
        return local.strftime("%a %d %b")
    if period == "weekly":
        return f"week {local.isocalendar().week} ({local:%d %b})"
    return local.strftime("%b %Y")


def _localized_label(period: Period, local: datetime, with_day: bool, locale: str) -> str:
    if period == "hourly":
        hour = format_skeleton("Hm", local, locale=locale)
        return f"{format_skeleton('MMMd', local, locale=locale)} {hour}" if with_day else hour
    if period == "daily":
        return format_skeleton("MMMEd", local, locale=locale)
    if period == "weekly":
        day = format_skeleton("MMMd", local, locale=locale)
        return WEEK.get(locale.split("_")[0], "week {n} ({day})").format(
            n=local.isocalendar().week, day=day)
    return format_skeleton("yMMM", local, locale=locale)


def span_text(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """``10 Jun 2026 – 16 Jun 2026`` for whole days (one date for one day; the end shown
    inclusive), times otherwise."""
    s, e = start.astimezone(tz), end.astimezone(tz)
    if DATE_LOCALE is not None:
        if s.time() == time(0) and e.time() == time(0):
            last = e - timedelta(days=1)
            first = format_date(s, "medium", locale=DATE_LOCALE)
            return first if last.date() == s.date() else \
                f"{first} – {format_date(last, 'medium', locale=DATE_LOCALE)}"
        return (f"{format_datetime(s, 'medium', locale=DATE_LOCALE)} – "
                f"{format_datetime(e, 'medium', locale=DATE_LOCALE)}")
    if s.time() == time(0) and e.time() == time(0):
        last = e - timedelta(days=1)
        return f"{s:%d %b %Y}" if last.date() == s.date() else f"{s:%d %b %Y} – {last:%d %b %Y}"
    return f"{s:%d %b %Y %H:%M} – {e:%d %b %Y %H:%M}"


CSV_HEADER = ["camera", "lines_or_zones", "class", "timezone", "bucket_start_local",
              "bucket_start_utc", "bucket_end_utc", "in", "out", "net"]
CSV_ZONE_HEADER = ["occupancy_at_end", "occupancy_peak"]


def write_csv(data: ChartData, path: Path) -> None:
    """The buckets on screen, then one ``total`` row. Runs in an executor: never the Qt thread."""
    sel = data.selection
    common = [sel.site_id or sel.camera_id, data.shape_label, sel.class_name or "all", sel.timezone]
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(CSV_HEADER + (CSV_ZONE_HEADER if data.has_occupancy else []))
        for r in data.rows:
            row = [*common, r.start.astimezone(sel.tz).isoformat(timespec="minutes"),
                   r.start.isoformat(), r.end.isoformat(), r.count_in, r.count_out, r.net]
            out.writerow(row + ([r.occupancy, r.peak] if data.has_occupancy else []))
        start, end = data.span
        total = [*common, "total", start.isoformat(), end.isoformat(), data.total_in,
                 data.total_out, data.total_in - data.total_out]
        out.writerow(total + (["", data.peak] if data.has_occupancy else []))


def report_range(report_type: ReportType, first_day: date, last_day: date,
                 tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A summary covers the day, ISO week or month holding the last chosen day; a custom report
    the chosen days."""
    if report_type == "custom":
        return local_midnight(first_day, tz), local_midnight(last_day + timedelta(days=1), tz)
    period: Period = {"daily_summary": "daily", "weekly_summary": "weekly",
                      "monthly_summary": "monthly"}[report_type]  # type: ignore[assignment]
    b = bucket_of(period, local_midnight(last_day, tz) + timedelta(hours=12), tz)
    return b.start, b.end
