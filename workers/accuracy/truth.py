"""True crossings, from a generated scene's JSON or from a CSV a person typed while watching.

The CSV has one crossing per row, ``frame_or_time,line,direction``; a header row and blank
lines are ignored. The first column is a frame number (``171``, counted from 0) or a time in
the video (``17.1s``, ``17.1``, ``0:17.1``, ``1:02:03``): anything with a decimal point, a colon
or an ``s`` is a time. ``line`` is the line's id in the zones (``line`` for ``count-video``'s
default line); ``direction`` is ``in`` or ``out``.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Direction = Literal["in", "out"]


class TruthError(ValueError):
    """The truth file cannot be read; the message says where and why."""


@dataclass(frozen=True)
class TrueCrossing:
    #: seconds into the video
    time: float
    line: str
    direction: Direction
    #: a counted event may be dated anywhere in [earliest, latest] (plus the tolerance)
    earliest: float
    latest: float
    #: False when the person is one OpenCV's HOG detector cannot see
    hog_visible: bool = True
    walker: int | None = None


def load(path: Path, fps: float) -> list[TrueCrossing]:
    """Crossings sorted by time; ``fps`` turns frame numbers into seconds."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TruthError(f"cannot read truth file {path}: {exc}") from exc
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        return from_json(text, fps, path)
    return from_csv(text, fps, path)


def from_json(text: str, fps: float, where: Path | str = "truth") -> list[TrueCrossing]:
    """A ``GroundTruth`` JSON (``python -m workers.samples`` or ``workers.samples.scenarios``)."""
    from workers.samples.synth import GroundTruth

    try:
        truth = GroundTruth.from_dict(json.loads(text))
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise TruthError(f"{where} is not a CamCount ground-truth JSON: {exc}") from exc
    return from_ground_truth(truth)


def from_ground_truth(truth) -> list[TrueCrossing]:  # noqa: ANN001 - GroundTruth, imported lazily
    rate = truth.fps
    out = [TrueCrossing(c.frame / rate, c.line, c.direction,
                        min(c.frame, c.since if c.since is not None else c.frame) / rate,
                        max(c.frame, c.until if c.until is not None else c.frame) / rate,
                        c.hog_visible, c.walker)
           for c in truth.crossings]
    return sorted(out, key=lambda c: c.time)


def parse_time(text: str, fps: float) -> float:
    """Seconds from a frame number or a time; ValueError when it is neither."""
    t = text.strip().lower()
    if t.isdigit():
        return int(t) / fps
    t = t.removesuffix("s")
    seconds = 0.0
    for part in t.split(":"):
        seconds = seconds * 60 + float(part)
    if seconds < 0 or seconds != seconds:
        raise ValueError(text)
    return seconds


def from_csv(text: str, fps: float, where: Path | str = "truth") -> list[TrueCrossing]:
    out: list[TrueCrossing] = []
    for n, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if len(cells) < 3:
            raise TruthError(f"{where}, row {n}: expected frame_or_time,line,direction, "
                             f"got {','.join(row)!r}")
        when, line, direction = cells[:3]
        try:
            t = parse_time(when, fps)
        except ValueError:
            if n == 1 and not out:
                continue  # a header row
            raise TruthError(f"{where}, row {n}: {when!r} is neither a frame number nor a time "
                             "(e.g. 171, 17.1s, 0:17.1)") from None
        direction = direction.lower()
        if direction not in ("in", "out"):
            raise TruthError(f"{where}, row {n}: direction must be in or out, not {cells[2]!r}")
        if not line:
            raise TruthError(f"{where}, row {n}: the line id is empty")
        out.append(TrueCrossing(t, line, direction, t, t))  # type: ignore[arg-type]
    return sorted(out, key=lambda c: c.time)
