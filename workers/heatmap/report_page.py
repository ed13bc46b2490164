"""A camera's heatmap as a page of the PDF report: where people walked and where they stood
longest over the report's period, each over the camera's reference picture (people hidden)."""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

import cv2
import numpy as np
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, PageBreak, Paragraph, Spacer

from workers.contracts.queries import HeatmapReply
from workers.heatmap.render import composite, decode_reference

#: the picture's width on the page (A4 less the report's margins)
PAGE_WIDTH_MM = 170


def heatmap_page(reply: HeatmapReply) -> list[Flowable]:
    """A page break, then both heatmaps with a line each saying what the hottest cell holds;
    nothing when nobody was seen in the period."""
    if not any(reply.visits):
        return []
    styles = getSampleStyleSheet()
    story: list[Flowable] = [
        PageBreak(),
        Paragraph(escape(f"Heatmap of {reply.camera_id}"), styles["Heading2"]),
        Paragraph(escape(f"{reply.hours} hour(s) with data, {reply.frames} frames analysed; a "
                         f"{reply.cols}x{reply.rows} grid over the picture, people hidden."),
                  styles["Normal"]),
    ]
    reference = decode_reference(reply.reference_jpeg)
    for what, title, unit in (("visits", "Where people walk", "visit(s)"),
                              ("dwell", "Where people stand longest", "s")):
        grid = np.asarray(getattr(reply, what), np.float64).reshape(reply.rows, reply.cols)
        row, col = np.unravel_index(int(np.argmax(grid)), grid.shape)
        story += [Spacer(1, 3 * mm), Paragraph(escape(title), styles["Heading3"]),
                  _image(composite(reference, grid, 960, round(960 * reply.frame_height
                                                                / reply.frame_width))),
                  Paragraph(escape(f"Hottest cell: {grid[row, col]:.0f} {unit} (column {col + 1}, "
                                   f"row {row + 1}); {grid.sum():.0f} {unit} in all."),
                            styles["Normal"])]
    return story


def _image(bgr: np.ndarray) -> Image:
    ok, png = cv2.imencode(".png", bgr)
    if not ok:
        raise ValueError("the heatmap picture could not be encoded")
    h, w = bgr.shape[:2]
    width = PAGE_WIDTH_MM * mm
    return Image(BytesIO(png.tobytes()), width=width, height=width * h / w)
