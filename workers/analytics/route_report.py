"""Routes in the PDF report: per camera, the origin × destination matrix of people with the mean
transit times, and a flow chart (origins left, destinations right, bands as thick as the
people who went that way)."""

from __future__ import annotations

from collections.abc import Callable
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.styles import StyleSheet1
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from workers.contracts.routes import RouteRow, matrix, mean_transits

#: the report's font (registered by report_files): route and place names may be in any script
FONT_NAME = "CamCountSans"

FLOW_COLOURS = ("#2fa84f", "#6f8cff", "#e08a1e", "#d04fa0", "#20b0c0", "#b0a020")
_GRID = TableStyle([
    ("FONT", (0, 0), (-1, -1), FONT_NAME),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
    ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
])


def route_label(name: str) -> str:
    """A route's name as reports write it: "->" as the text readers search for (the report's
    font does have the arrow)."""
    return name.replace("→", "->")


def route_flowables(camera_id: str, rows: list[RouteRow], styles: StyleSheet1,
                    _: Callable[[str], str] = str) -> list[Flowable]:
    """Nothing for a camera that completed no route; ``_`` translates (the site's language)."""
    if not rows:
        return []
    origins, dests, cells = matrix(rows)
    table = [[_("From \\ to"), *dests]]
    table += [[o, *(str(cells[(o, d)]) if (o, d) in cells else "-" for d in dests)]
              for o in origins]
    times = [[_("Route"), _("People"), _("Mean transit (s)")]]
    times += [[route_label(name), str(n), f"{mean:.1f}"]
              for name, n, mean in mean_transits(rows)]
    return [Spacer(1, 3 * mm), Paragraph(escape(_("Routes of %(camera)s") % {"camera": camera_id}),
                                         styles["Heading3"]),
            Table(table, style=_GRID, hAlign="LEFT"), Spacer(1, 3 * mm),
            flow_drawing(origins, dests, cells), Spacer(1, 3 * mm),
            Table(times, style=_GRID, hAlign="LEFT")]


def flow_drawing(origins: list[str], dests: list[str], cells: dict[tuple[str, str], int],
                 width: float = 440, height: float = 150) -> Drawing:
    d = Drawing(width, height)
    total = sum(cells.values())
    label_w, bar, gap = 110.0, 8.0, 10.0
    n = max(len(origins), len(dests))
    scale = (height - gap * (n - 1)) / total
    out_tot = {o: sum(v for (a, _), v in cells.items() if a == o) for o in origins}
    in_tot = {t: sum(v for (_, b), v in cells.items() if b == t) for t in dests}

    def stack(names: list[str], totals: dict[str, int]) -> dict[str, float]:
        y, tops = height, {}
        for name in names:
            tops[name] = y
            y -= totals[name] * scale + gap
        return tops

    src, dst = stack(origins, out_tot), stack(dests, in_tot)
    x0, x1 = label_w + bar, width - label_w - bar
    for i, o in enumerate(origins):
        colour = colors.HexColor(FLOW_COLOURS[i % len(FLOW_COLOURS)])
        d.add(Rect(label_w, src[o] - out_tot[o] * scale, bar, out_tot[o] * scale,
                   fillColor=colour, strokeColor=None))
        d.add(String(label_w - 4, src[o] - out_tot[o] * scale / 2 - 3, f"{o} {out_tot[o]}",
                     fontName=FONT_NAME, fontSize=8, textAnchor="end"))
        y0 = src[o]
        for t in dests:
            v = cells.get((o, t), 0)
            if not v:
                continue
            h = v * scale
            y1 = dst[t]
            band = colors.Color(colour.red, colour.green, colour.blue, alpha=0.45)
            d.add(Polygon([x0, y0, x1, y1, x1, y1 - h, x0, y0 - h], fillColor=band,
                          strokeColor=None))
            y0 -= h
            dst[t] -= h
    top = stack(dests, in_tot)
    for t in dests:
        d.add(Rect(x1, top[t] - in_tot[t] * scale, bar, in_tot[t] * scale,
                   fillColor=colors.grey, strokeColor=None))
        d.add(String(x1 + bar + 4, top[t] - in_tot[t] * scale / 2 - 3, f"{in_tot[t]} {t}",
                     fontName=FONT_NAME, fontSize=8))
    return d
