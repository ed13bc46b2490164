"""A camera's heatmap as a page of the PDF report: where people walked and where they stood
longest over the report's period, each over the camera's reference picture (people hidden)."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from xml.sax.saxutils import escape

import cv2
import numpy as np
from reportlab.lib.styles import StyleSheet1, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, PageBreak, Paragraph, Spacer

from workers.contracts.queries import HeatmapReply
from workers.heatmap.render import composite, decode_reference

#: the picture's width on the page (A4 less the report's margins)
PAGE_WIDTH_MM = 170


def heatmap_page(reply: HeatmapReply, styles: StyleSheet1 | None = None,
                 _: Callable[[str], str] = str) -> list[Flowable]:
    """A page break, then both heatmaps with a line each saying what the hottest cell holds;
    nothing when nobody was seen in the period. ``styles`` and ``_``: the report's font and
    language."""
    if not any(reply.visits):
        return []
    styles = styles or getSampleStyleSheet()
    story: list[Flowable] = [
        PageBreak(),
        Paragraph(escape(_("Heatmap of %(camera)s") % {"camera": reply.camera_id}),
                  styles["Heading2"]),
        Paragraph(escape(_("%(hours)s hour(s) with data, %(frames)s frames analysed; a "
                           "%(cols)sx%(rows)s grid over the picture, people hidden.") % {
            "hours": reply.hours, "frames": reply.frames, "cols": reply.cols, "rows": reply.rows}),
                  styles["Normal"]),
    ]
    reference = decode_reference(reply.reference_jpeg)
    for what, title, hottest in (
            ("visits", _("Where people walk"),
             _("Hottest cell: %(n)s visit(s) (column %(col)s, row %(row)s); %(all)s visit(s) in "
               "all.")),
            ("dwell", _("Where people stand longest"),
             _("Hottest cell: %(n)s s (column %(col)s, row %(row)s); %(all)s s in all."))):
        grid = np.asarray(getattr(reply, what), np.float64).reshape(reply.rows, reply.cols)
        row, col = np.unravel_index(int(np.argmax(grid)), grid.shape)
        story += [Spacer(1, 3 * mm), Paragraph(escape(title), styles["Heading3"]),
                  _image(composite(reference, grid, 960, round(960 * reply.frame_height
                                                                / reply.frame_width))),
                  Paragraph(escape(hottest % {"n": f"{grid[row, col]:.0f}", "col": col + 1,
                                              "row": row + 1, "all": f"{grid.sum():.0f}"}),
                            styles["Normal"])]
    return story


def _image(bgr: np.ndarray) -> Image:
    ok, png = cv2.imencode(".png", bgr)
    if not ok:
        raise ValueError("the heatmap picture could not be encoded")
    h, w = bgr.shape[:2]
    width = PAGE_WIDTH_MM * mm
    return Image(BytesIO(png.tobytes()), width=width, height=width * h / w)
