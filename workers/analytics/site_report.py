"""Sites in the PDF report: per site, people inside per bucket (at its end, the most at once,
and the figure corrected by the average visit when the site has one) with a chart of the raw
and corrected figures against the site's maximum."""

from __future__ import annotations

from collections.abc import Callable
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Line
from reportlab.lib import colors
from reportlab.lib.styles import StyleSheet1
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from workers.contracts.queries import SiteOccupancyReply

#: the report's font (registered by report_files): site names may be in any script
FONT_NAME = "CamCountSans"
_RAW, _CORRECTED, _LIMIT = (colors.HexColor("#2a9d8f"), colors.HexColor("#e76f51"),
                            colors.HexColor("#c0392b"))
_GRID = TableStyle([
    ("FONT", (0, 0), (-1, -1), FONT_NAME),
    ("FONTSIZE", (0, 0), (-1, -1), 8),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
    ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
    ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
])


def site_flowables(site: SiteOccupancyReply, styles: StyleSheet1, width: float,
                   charts: bool, _: Callable[[str], str] = str) -> list[Flowable]:
    tz = ZoneInfo(site.timezone)
    fmt = "%H:%M" if site.period == "hourly" else "%Y-%m-%d"
    corrected = any(p.corrected is not None for p in site.points)
    head = [_("Until"), _("Inside"), _("Most at once")] + ([_("Corrected")] if corrected else [])
    rows = [head] + [[p.end.astimezone(tz).strftime(fmt), str(p.at_end), str(p.peak)]
                     + ([str(p.corrected)] if corrected else []) for p in site.points]
    title = _("Occupancy of site %(site)s") % {"site": site.name}
    limit = "" if site.max_occupancy is None else " " + _("Maximum: %(n)s.") % {
        "n": site.max_occupancy}
    out: list[Flowable] = [Spacer(1, 3 * mm), Paragraph(escape(title), styles["Heading3"]),
                           Paragraph(escape(_("Peak: %(n)s people at once.") % {
                               "n": max((p.peak for p in site.points), default=0)} + limit),
                                     styles["Normal"])]
    if charts:
        out += [Spacer(1, 2 * mm), _chart(site, width, _)]
    return [KeepTogether(out), Spacer(1, 2 * mm), Table(rows, style=_GRID, hAlign="LEFT",
                                                        repeatRows=1)]


def _chart(site: SiteOccupancyReply, width: float, _: Callable[[str], str]) -> Drawing:
    raw = [p.at_end for p in site.points]
    corrected = [p.corrected for p in site.points]
    series = [raw] + ([[c or 0 for c in corrected]] if any(c is not None for c in corrected) else [])
    top = max([*raw, *(series[-1]), site.max_occupancy or 0, 1])
    drawing = Drawing(width, 130)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 30, 18, width - 140, 100
    chart.data = series
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, top
    chart.valueAxis.valueStep = max(1, -(-top // 4))
    chart.valueAxis.labels.fontName = chart.categoryAxis.labels.fontName = FONT_NAME
    chart.valueAxis.labels.fontSize = chart.categoryAxis.labels.fontSize = 7
    every = max(1, -(-len(raw) // 12))
    tz = ZoneInfo(site.timezone)
    chart.categoryAxis.categoryNames = [
        p.start.astimezone(tz).strftime("%H:%M" if site.period == "hourly" else "%m-%d")
        if i % every == 0 else "" for i, p in enumerate(site.points)]
    chart.lines[0].strokeColor, chart.lines[0].strokeWidth = _RAW, 1.5
    if len(series) > 1:
        chart.lines[1].strokeColor, chart.lines[1].strokeWidth = _CORRECTED, 1.5
    drawing.add(chart)
    pairs = [(_RAW, _("inside (counted)"))]
    if len(series) > 1:
        pairs.append((_CORRECTED, _("inside (corrected)")))
    if site.max_occupancy is not None:
        y = chart.y + chart.height * site.max_occupancy / top
        drawing.add(Line(chart.x, y, chart.x + chart.width, y, strokeColor=_LIMIT,
                         strokeDashArray=[3, 2]))
        pairs.append((_LIMIT, _("maximum")))
    legend = Legend()
    legend.x, legend.y = chart.x + chart.width + 14, chart.y + chart.height - 4
    legend.fontName, legend.fontSize, legend.dx, legend.dy, legend.deltay = FONT_NAME, 8, 8, 8, 12
    legend.alignment = "right"
    legend.colorNamePairs = pairs
    drawing.add(legend)
    return drawing
