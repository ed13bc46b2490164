"""Report files: CSV with one row per bucket and shape, PDF with summary tables and charts.

Plain functions of a ``ReportData``, run in an executor thread: rendering a PDF takes long
enough to stall every consumer of the event loop. The PDF is written in the site's language
(``ReportData.language``) with the bundled font, which covers Vietnamese, Cyrillic and Hangul; the
CSV's header row is column names for programs, the same in every language.
"""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import StyleSheet1, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from workers.analytics.buckets import Bucket, Period
from workers.i18n import FONT, N_, gettext_for, number

TITLES = {"daily_summary": N_("Daily summary"), "weekly_summary": N_("Weekly summary"),
          "monthly_summary": N_("Monthly summary"), "custom": N_("Report")}
PERIODS = {"hourly": N_("hourly buckets"), "daily": N_("daily buckets"),
           "weekly": N_("weekly buckets"), "monthly": N_("monthly buckets")}
KINDS = {"line": N_("line"), "zone": N_("zone")}
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

    def camera_totals(self, camera_id: str) -> tuple[int, int]:
        lines = [ln for ln in self.lines if ln.camera_id == camera_id]
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

    def bucket_totals(self, camera_id: str) -> tuple[list[int], list[int]]:
        ins = dict.fromkeys((b.start for b in self.buckets), 0)
        outs = dict(ins)
        for ln in self.lines:
            if ln.camera_id == camera_id:
                ins[ln.bucket.start] += ln.count_in
                outs[ln.bucket.start] += ln.count_out
        return list(ins.values()), list(outs.values())


def _atomic(path: Path) -> Path:
    """A temporary sibling to write to; renamed over ``path`` once complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(f".{path.name}.partial")


def write_csv(data: ReportData, path: Path) -> Path:
    tmp = _atomic(path)
    with tmp.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["camera_id", "bucket_start", "bucket_end", "bucket_start_utc", "kind",
                    "shape_id", "class_name", "count_in", "count_out", "mean_dwell_seconds"])
        for ln in data.lines:
            w.writerow([ln.camera_id, ln.bucket.start.astimezone(data.tz).isoformat(),
                        ln.bucket.end.astimezone(data.tz).isoformat(), ln.bucket.start.isoformat(),
                        ln.kind, ln.shape_id, ln.class_name, ln.count_in, ln.count_out,
                        "" if ln.mean_dwell is None else f"{ln.mean_dwell:.1f}"])
    os.replace(tmp, path)
    return path


def _chart(data: ReportData, camera_id: str) -> Drawing:
    ins, outs = data.bucket_totals(camera_id)
    fmt = "%H:%M" if data.period == "hourly" else "%m-%d"
    every = max(1, len(data.buckets) // 12)  # at most a dozen labels stay readable
    labels = [b.start.astimezone(data.tz).strftime(fmt) if i % every == 0 else ""
              for i, b in enumerate(data.buckets)]
    drawing = Drawing(480, 190)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 35, 420, 130
    chart.data = [ins, outs]
    chart.categoryAxis.categoryNames = labels
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 45 if every > 1 or len(labels) > 12 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if chart.categoryAxis.labels.angle else "n"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = colors.HexColor("#2a9d8f")
    chart.bars[1].fillColor = colors.HexColor("#e76f51")
    chart.barSpacing = 0.5
    legend = Legend()
    legend.x, legend.y = 380, 185
    legend.fontSize = 7
    legend.fontName = chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = FONT_NAME
    legend.colorNamePairs = [(chart.bars[0].fillColor, data._("in")),
                             (chart.bars[1].fillColor, data._("out"))]
    drawing.add(chart)
    drawing.add(legend)
    return drawing


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
    story: list[Flowable] = [
        Paragraph(escape(data.title), styles["Title"]),
        Paragraph(escape(_("From %(start)s to %(end)s (%(timezone)s), %(period)s") % {
            "start": data.local(data.start), "end": data.local(data.end),
            "timezone": data.timezone, "period": _(PERIODS[data.period])}), styles["Normal"]),
        Paragraph(escape(_("Cameras: %(cameras)s") % {"cameras": ", ".join(data.camera_ids)}),
                  styles["Normal"]),
        Paragraph(escape(_("Generated %(at)s - report %(report)s") % {
            "at": data.local(data.generated_at), "report": data.report_id}), styles["Italic"]),
        Spacer(1, 6 * mm),
    ]
    grid = TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT_NAME),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
        ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f4f5f7")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
    ])
    lang = data.language
    for cam in data.camera_ids:
        total_in, total_out = data.camera_totals(cam)
        # Paragraphs parse a little markup; camera ids from results are arbitrary text.
        story.append(Paragraph(escape(_("Camera %(camera)s") % {"camera": cam}), styles["Heading2"]))
        story.append(Paragraph(escape(_("%(camera)s: %(in)s in, %(out)s out") % {
            "camera": cam, "in": number(total_in, lang), "out": number(total_out, lang)}),
            styles["Normal"]))
        shapes = data.shape_totals(cam)
        if not shapes:
            story.append(Paragraph(escape(_("No counts in this period.")), styles["Normal"]))
            continue
        rows = [[_("Kind"), _("Line / zone"), _("Class"), _("In"), _("Out"), _("Net"),
                 _("Mean dwell (s)")]]
        rows += [[_(KINDS.get(k, k)), s, c, number(i, lang), number(o, lang), number(i - o, lang),
                  "" if d is None else number(d, lang, 1)]
                 for k, s, c, i, o, d in shapes]
        rows.append([_("Total"), "", "", number(total_in, lang), number(total_out, lang),
                     number(total_in - total_out, lang), ""])
        story += [Spacer(1, 2 * mm), Table(rows, style=grid, hAlign="LEFT")]
        if data.include_charts:
            story += [Spacer(1, 4 * mm), _chart(data, cam)]
        story.append(Spacer(1, 6 * mm))
    tmp = _atomic(path)
    SimpleDocTemplate(str(tmp), pagesize=A4, title=data.title, author="CamCount",
                      leftMargin=18 * mm, rightMargin=18 * mm).build(story)
    os.replace(tmp, path)
    return path
