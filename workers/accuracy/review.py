"""Snapshots of every missed and extra count, and an HTML index, so a person can see why.

Each snapshot is the video frame of the crossing (a missed one: its true moment; an extra one:
the frame it was dated to) with the counting lines, every tracked box of the nearest analysed
frame labelled with its track id, the box of the extra event's track in red and, when the truth
knows where the missed person was, their true box in yellow.
"""

from __future__ import annotations

import html
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from workers.accuracy.matching import Score
from workers.contracts.detection import Detection
from workers.contracts.zones import ZoneSet

RED, YELLOW, GREEN, CYAN = (60, 60, 255), (0, 220, 255), (90, 200, 90), (255, 200, 0)


@dataclass(frozen=True)
class Case:
    kind: str  # "missed" or "extra"
    line: str
    direction: str
    time: float
    frame: int
    track_id: int | None = None
    true_box: tuple[int, int, int, int] | None = None


def cases(score: Score, fps: float,
          true_boxes: Mapping[tuple[int, int], tuple[int, int, int, int]] | None = None) -> list[Case]:
    """Every miss and extra of ``score`` in time order. ``true_boxes[(walker, frame)]``: where the
    truth's people were, when it knows."""
    out: list[Case] = []
    for s in score.lines:
        for c in s.missed:
            frame = round(c.time * fps)
            box = (true_boxes or {}).get((c.walker, frame)) if c.walker is not None else None
            out.append(Case("missed", s.line, s.direction, c.time, frame, None, box))
        for e in s.extra:
            out.append(Case("extra", s.line, s.direction, e.time, e.frame, e.track_id))
    return sorted(out, key=lambda c: c.time)


def _draw(image: np.ndarray, case: Case, zones: ZoneSet, tracked: Sequence[Detection]) -> None:
    for ln in zones.lines:
        (x1, y1), (x2, y2) = ln.points
        cv2.line(image, (round(x1), round(y1)), (round(x2), round(y2)), CYAN, 2, cv2.LINE_AA)
        cv2.putText(image, ln.label, (round(x1) + 4, max(14, round(min(y1, y2)) + 14)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.5, CYAN, 1, cv2.LINE_AA)
    for d in tracked:
        x1, y1, x2, y2 = (round(v) for v in d.bbox)
        colour = RED if case.kind == "extra" and d.track_id == case.track_id else GREEN
        cv2.rectangle(image, (x1, y1), (x2, y2), colour, 2)
        cv2.putText(image, f"#{d.track_id}", (x1 + 2, y1 + 16), cv2.FONT_HERSHEY_SIMPLEX, 0.55,
                    colour, 2, cv2.LINE_AA)
    if case.true_box is not None:
        x1, y1, x2, y2 = case.true_box
        cv2.rectangle(image, (x1, y1), (x2, y2), YELLOW, 1, cv2.LINE_AA)
    what = (f"{case.kind.upper()} {case.direction} on {case.line} at {case.time:.1f} s "
            f"(frame {case.frame})" + (f", track #{case.track_id}" if case.track_id is not None else ""))
    cv2.rectangle(image, (0, 0), (image.shape[1], 26), (0, 0, 0), -1)
    cv2.putText(image, what, (8, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.55,
                RED if case.kind == "extra" else YELLOW, 1, cv2.LINE_AA)


def write(folder: Path, video: Path, found: Sequence[Case], zones: ZoneSet,
          tracked: Mapping[int, Sequence[Detection]], title: str) -> Path:
    """Write one JPEG per case and ``index.html``; returns the index's path."""
    folder.mkdir(parents=True, exist_ok=True)
    analysed = sorted(tracked)
    cap = cv2.VideoCapture(str(video))
    rows = []
    try:
        for n, case in enumerate(found, start=1):
            cap.set(cv2.CAP_PROP_POS_FRAMES, case.frame)
            ok, image = cap.read()
            if not ok:
                image = np.zeros((zones.frame_height, zones.frame_width, 3), np.uint8)
            k = bisect_right(analysed, case.frame) - 1
            _draw(image, case, zones, tracked[analysed[k]] if k >= 0 else [])
            name = f"{n:03d}-{case.kind}-{case.line}-{case.direction}-f{case.frame}.jpg"
            cv2.imwrite(str(folder / name), image)
            rows.append(f"<figure><a href='{name}'><img src='{name}' width='480'></a>"
                        f"<figcaption>{html.escape(name)}</figcaption></figure>")
    finally:
        cap.release()
    index = folder / "index.html"
    body = "\n".join(rows) or "<p>Nothing missed, nothing extra.</p>"
    index.write_text(
        "<!doctype html><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>"
        "<p>Missed: the true moment of a crossing nothing counted (yellow: where the person "
        "truly was, when known). Extra: a count no true crossing explains (red: its track). "
        "Green: every track on that frame.</p>\n" + body + "\n", encoding="utf-8")
    return index
