"""Report files: CSV with one row per bucket and shape (and one per route and class over the
whole range: the route matrix), PDF with summary tables and charts.

Plain functions of a ``ReportData``, run in an executor thread: rendering a PDF takes long
enough to stall every consumer of the event loop. The PDF is written in the site's language
(``ReportData.language``) with the bundled font, which covers Vietnamese, Cyrillic and Hangul; the
CSV's header row is column names for programs, the same in every language.
"""

from __future__ import annotations

import csv
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import StyleSheet1, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from workers.analytics.buckets import Bucket, Period
from workers.analytics.route_report import route_flowables, route_label
from workers.analytics.site_report import site_flowables
from workers.contracts.queries import HeatmapReply, SiteOccupancyReply
from workers.contracts.routes import RouteRow
from workers.heatmap.report_page import heatmap_page
from workers.i18n import FONT, N_, gettext_for, number

TITLES = {"daily_summary": N_("Daily summary"), "weekly_summary": N_("Weekly summary"),
          "monthly_summary": N_("Monthly summary"), "custom": N_("Report")}
PERIODS = {"hourly": N_("hourly buckets"), "daily": N_("daily buckets"),
           "weekly": N_("weekly buckets"), "monthly": N_("monthly buckets")}
FONT_NAME = "CamCountSans"


@dataclass(frozen=True)
class ReportLine:
    """Counts of one camera, bucket, shape and class ("" shape: the camera counted nothing)."""

    camera_id: str
    bucket: Bucket
    kind: str
    shape_id: str
    class_name: str
    count_in: int
    count_out: int
    mean_dwell: float | None


@dataclass
class ReportData:
    report_id: str
    report_type: str
    timezone: str
    start: datetime
    end: datetime
    period: Period
    camera_ids: list[str]
    buckets: list[Bucket]
    lines: list[ReportLine]
    generated_at: datetime
    include_charts: bool = True
    #: what people call the cameras (by id) and their lines and zones (by camera, shape id)
    camera_names: dict[str, str] = field(default_factory=dict)
    shape_names: dict[tuple[str, str], str] = field(default_factory=dict)
    #: route completions per camera (the origin -> destination matrix)
    routes: dict[str, list[RouteRow]] = field(default_factory=dict)
    #: each camera's heatmap over the period (a page of the PDF when anyone was seen)
    heatmaps: dict[str, HeatmapReply] = field(default_factory=dict)
    #: the occupancy of the stored sites with a door or zone on the report's cameras
    sites: list[SiteOccupancyReply] = field(default_factory=list)
    #: the site's language (AlertingConfig.language)
    language: str = "en"
    tz: ZoneInfo = field(init=False)

    def __post_init__(self) -> None:
        self.tz = ZoneInfo(self.timezone)
        self._ = gettext_for(self.language)

    @property
    def title(self) -> str:
        return f"CamCount - {self._(TITLES.get(self.report_type, self.report_type))}"

    def local(self, t: datetime) -> str:
        local = t.astimezone(self.tz)
        if self.language == "en":
            return local.strftime("%Y-%m-%d %H:%M %Z")
        return f"{format_datetime(local, 'short', locale=self.language)} {local.strftime('%Z')}"

    def number(self, value: float, decimals: int = 0) -> str:
        return number(value, self.language, decimals)

    def camera(self, camera_id: str) -> str:
        return self.camera_names.get(camera_id) or camera_id

    def shape(self, camera_id: str, shape_id: str) -> str:
        return self.shape_names.get((camera_id, shape_id)) or shape_id

    def kind_totals(self, camera_id: str, kind: str) -> tuple[int, int]:
        """Line crossings in/out, or zone entries/exits: never added together (a person who
        enters a zone after crossing a line is not two people)."""
        lines = [ln for ln in self.lines if ln.camera_id == camera_id and ln.kind == kind]
        return sum(ln.count_in for ln in lines), sum(ln.count_out for ln in lines)

    def shape_totals(self, camera_id: str) -> list[tuple[str, str, str, int, int, float | None]]:
        """(kind, shape, class, in, out, mean dwell) over the whole report, per shape and class."""
        acc: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0, 0])
        for ln in self.lines:
            if ln.camera_id != camera_id or not ln.shape_id:
                continue
            a = acc[(ln.kind, ln.shape_id, ln.class_name)]
            a[0] += ln.count_in
            a[1] += ln.count_out
            if ln.mean_dwell is not None:
                a[2] += ln.mean_dwell
                a[3] += 1
        return [(k, s, c, int(a[0]), int(a[1]), a[2] / a[3] if a[3] else None)
                for (k, s, c), a in sorted(acc.items())]

    def bucket_totals(self, camera_id: str, kind: str) -> tuple[list[int], list[int]]:
        ins = dict.fromkeys((b.start for b in self.buckets), 0)
        outs = dict(ins)
        for ln in self.lines:
            if ln.camera_id == camera_id and ln.kind == kind:
                ins[ln.bucket.start] += ln.count_in
                outs[ln.bucket.start] += ln.count_out
        return list(ins.values()), list(outs.values())

    def file_name(self, fmt: str) -> str:
        """A name a person can pick out of a folder: what, of which cameras, when (and a short
        id, so two runs of the same report never overwrite each other)."""
        names = [self.camera(c) for c in self.camera_ids]
        cams = "+".join(names[:3]) + (f"+{len(names) - 3}-more" if len(names) > 3 else "")
        first = self.start.astimezone(self.tz).date()
        last = (self.end.astimezone(self.tz) - timedelta(seconds=1)).date()
        when = first.isoformat() if first >= last else f"{first}_to_{last}"
        what = TITLES.get(self.report_type, self.report_type).lower().replace(" ", "-")
        stem = re.sub(r"[^\w+.-]+", "-", f"{what}_{cams}_{when}", flags=re.UNICODE).strip("-")
        return f"{stem[:150]}_{self.report_id[:8]}.{fmt}"


def _atomic(path: Path) -> Path:
    """A temporary sibling to write to; renamed over ``path`` once complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(f".{path.name}.partial")


def write_csv(data: ReportData, path: Path) -> Path:
    """Routes come after the counts, a row per camera, route and class over the whole range
    (``kind`` "route", ``count_in`` its people), named as the PDF names them."""
    tmp = _atomic(path)
    start, end = data.start.astimezone(data.tz).isoformat(), data.end.astimezone(data.tz).isoformat()
    with tmp.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["camera_id", "bucket_start", "bucket_end", "bucket_start_utc", "kind",
                    "shape_id", "class_name", "count_in", "count_out", "mean_dwell_seconds",
                    "camera_name", "shape_name", "origin", "destination",
                    "mean_transit_seconds"])
        for ln in data.lines:
            w.writerow([ln.camera_id, ln.bucket.start.astimezone(data.tz).isoformat(),
                        ln.bucket.end.astimezone(data.tz).isoformat(), ln.bucket.start.isoformat(),
                        ln.kind, ln.shape_id, ln.class_name, ln.count_in, ln.count_out,
                        "" if ln.mean_dwell is None else f"{ln.mean_dwell:.1f}",
                        data.camera(ln.camera_id),
                        data.shape(ln.camera_id, ln.shape_id) if ln.shape_id else "", "", "", ""])
        for cam in data.camera_ids:
            for r in data.routes.get(cam, []):
                transit = r.mean_transit_seconds
                w.writerow([cam, start, end, data.start.astimezone(UTC).isoformat(), "route",
                            r.route_id,
                            r.class_name, r.count, 0, "", data.camera(cam), route_label(r.name),
                            r.origin_name, r.destination_name,
                            "" if transit is None else f"{transit:.1f}"])
    os.replace(tmp, path)
    return path


#: the in and out colours of the charts, and what each bar means per kind of shape
_IN, _OUT = colors.HexColor("#2a9d8f"), colors.HexColor("#e76f51")
#: per kind: the chart's title per bucket, the legend's words, the table's headings, its total
#: row, and the summary sentence
_WORDS = {
    "line": ({"hourly": N_("Line crossings per hour"), "daily": N_("Line crossings per day"),
              "weekly": N_("Line crossings per week"), "monthly": N_("Line crossings per month")},
             (N_("in"), N_("out")), (N_("Line"), N_("In"), N_("Out"), N_("Net")), N_("All lines"),
             N_("Lines: %(in)s in, %(out)s out.")),
    "zone": ({"hourly": N_("Zone entries and exits per hour"),
              "daily": N_("Zone entries and exits per day"),
              "weekly": N_("Zone entries and exits per week"),
              "monthly": N_("Zone entries and exits per month")},
             (N_("entries"), N_("exits")), (N_("Zone"), N_("Entries"), N_("Exits"),
                                            N_("Mean dwell (s)")), N_("All zones"),
             N_("Zones: %(in)s entries, %(out)s exits.")),
}


def _chart(data: ReportData, camera_id: str, kind: str) -> Drawing:
    """In and out bars per bucket, side by side, the legend to the right of the plot."""
    ins, outs = data.bucket_totals(camera_id, kind)
    fmt = "%H:%M" if data.period == "hourly" else "%m-%d"
    every = max(1, -(-len(data.buckets) // 12))  # at most a dozen labels stay readable
    labels = [b.start.astimezone(data.tz).strftime(fmt) if i % every == 0 else ""
              for i, b in enumerate(data.buckets)]
    _ = data._
    titles, (word_in, word_out), *_rest = _WORDS[kind]
    drawing = Drawing(_WIDTH, 150)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 28, _WIDTH - 130, 105
    chart.data = [ins, outs]
    chart.categoryAxis.categoryNames = labels
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.angle = 0
    chart.categoryAxis.labels.boxAnchor = "n"
    top = max([*ins, *outs, 1])
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, top
    chart.valueAxis.valueStep = max(1, -(-top // 4))  # whole numbers: counts
    chart.valueAxis.labels.fontSize = 8
    chart.bars[0].fillColor, chart.bars[1].fillColor = _IN, _OUT
    chart.bars.strokeWidth = 0
    chart.groupSpacing, chart.barSpacing = 2, 0
    legend = Legend()
    legend.x, legend.y = chart.x + chart.width + 16, chart.y + chart.height - 4
    legend.fontSize, legend.dx, legend.dy, legend.deltay = 9, 10, 10, 14
    legend.alignment = "right"
    legend.fontName = chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = FONT_NAME
    legend.colorNamePairs = [(_IN, f"{_(word_in)} ({data.number(sum(ins))})"),
                             (_OUT, f"{_(word_out)} ({data.number(sum(outs))})")]
    drawing.add(String(chart.x, chart.y + chart.height + 8, _(titles[data.period]),
                       fontName=FONT_NAME, fontSize=9))
    drawing.add(chart)
    drawing.add(legend)
    return drawing


_MARGIN = 18 * mm
#: the width of the text between the margins
_WIDTH = A4[0] - 2 * _MARGIN


def _shape_table(data: ReportData, cam: str, kind: str, shapes: list, grid: TableStyle,
                 ) -> Table:
    _ = data._
    _titles, _legend, (what, head_in, head_out, last_head), total, _summary = _WORDS[kind]
    rows: list[list[str]] = [[_(what), _("Class"), _(head_in), _(head_out), _(last_head)]]
    for _k, s, c, i, o, d in shapes:
        last = data.number(i - o) if kind == "line" else ("" if d is None else data.number(d, 1))
        rows.append([data.shape(cam, s), c, data.number(i), data.number(o), last])
    total_in, total_out = data.kind_totals(cam, kind)
    rows.append([_(total), "", data.number(total_in), data.number(total_out),
                 data.number(total_in - total_out) if kind == "line" else ""])
    return Table(rows, style=grid, hAlign="LEFT",
                 colWidths=[_WIDTH * 0.34, _WIDTH * 0.18, _WIDTH * 0.14, _WIDTH * 0.14,
                            _WIDTH * 0.2])


def _summary(data: ReportData, cam: str, kinds: list[str]) -> str:
    """"Lines: 36 in, 30 out. Zones: 74 entries, 70 exits." """
    parts = []
    for kind in kinds:
        total_in, total_out = data.kind_totals(cam, kind)
        sentence = _WORDS[kind][-1]
        parts.append(data._(sentence) % {"in": data.number(total_in),
                                         "out": data.number(total_out)})
    return " ".join(parts)


def _styles() -> StyleSheet1:
    """ReportLab's sample styles in the bundled font (its own fonts have no Hangul nor
    Vietnamese; camera and zone names may be written in any of them, in any language)."""
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT)))  # embedded, subset to what is used
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = FONT_NAME
    return styles


def write_pdf(data: ReportData, path: Path) -> Path:
    _ = data._
    styles = _styles()
    names = ", ".join(data.camera(c) for c in data.camera_ids)
    story: list[Flowable] = [
        Paragraph(escape(data.title), styles["Title"]),
        Paragraph(escape(_("From %(start)s to %(end)s (%(timezone)s), %(period)s") % {
            "start": data.local(data.start), "end": data.local(data.end),
            "timezone": data.timezone, "period": _(PERIODS[data.period])}), styles["Normal"]),
        Paragraph(escape(_("Cameras: %(cameras)s") % {"cameras": names}), styles["Normal"]),
        Paragraph(escape(_("Generated %(at)s - report %(report)s") % {
            "at": data.local(data.generated_at), "report": data.report_id}), styles["Italic"]),
        Spacer(1, 4 * mm),
    ]
    grid = TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT_NAME),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
        ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f4f5f7")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ])
    for cam in data.camera_ids:
        shapes = data.shape_totals(cam)
        kinds = [k for k in ("line", "zone") if any(s[0] == k for s in shapes)]
        heat = heatmap_page(data.heatmaps[cam], styles, _) if data.include_charts and cam in data.heatmaps \
            else []
        # Paragraphs parse a little markup; camera names are arbitrary text.
        block: list[Flowable] = [Paragraph(escape(data.camera(cam)), styles["Heading2"])]
        if not shapes:
            story.append(KeepTogether([*block, Paragraph(escape(_("No counts in this period.")),
                                                         styles["Normal"]), Spacer(1, 4 * mm)]))
            story += heat
            continue
        block.append(Paragraph(escape(_summary(data, cam, kinds)), styles["Normal"]))
        for kind in kinds:
            # each shape kind's table with its chart, never split from each other over pages
            part: list[Flowable] = [Spacer(1, 2 * mm), _shape_table(
                data, cam, kind, [s for s in shapes if s[0] == kind], grid)]
            if data.include_charts:
                part += [Spacer(1, 3 * mm), _chart(data, cam, kind)]
            story.append(KeepTogether([*block, *part]))
            block = []
        story += route_flowables(cam, data.routes.get(cam, []), styles, _)
        story += heat
        story.append(Spacer(1, 4 * mm))
    if data.sites:
        story.append(Paragraph(escape(_("Sites")), styles["Heading2"]))
    for site in data.sites:
        story += site_flowables(site, styles, _WIDTH, data.include_charts, _)
    tmp = _atomic(path)
    SimpleDocTemplate(str(tmp), pagesize=A4, title=data.title, author="CamCount",
                      leftMargin=_MARGIN, rightMargin=_MARGIN, topMargin=15 * mm,
                      bottomMargin=15 * mm).build(story)
    os.replace(tmp, path)
    return path
