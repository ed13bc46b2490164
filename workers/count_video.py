"""``camcount-worker count-video``: count a video file offline, with no broker.

The same detector, tracker, motion gate and counting engine as the detector worker, fed the
file's frames in order and timed by their position in the file, so a recording counts exactly
as the live camera would at that analysis rate. Without ``--zones`` or ``--line`` a vertical
line through the middle of the picture counts left-to-right walkers as "in".
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from pydantic import ValidationError

from workers.contracts.detection import CountEvent, CountingData
from workers.contracts.zones import ZoneSet
from workers.detector.base import DetectorConfig
from workers.i18n import cli_language, explain

if TYPE_CHECKING:
    from workers.detector.pipeline import FrameOutcome

log = logging.getLogger(__name__)

#: frame timestamps are the video's own clock, from this origin
VIDEO_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PROGRESS_EVERY_S = 10.0


class CountVideoError(Exception):
    """Something the operator must fix (the file, the zones, the weights): exit status 2."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("video", type=Path, help="a video file OpenCV can read (mp4, avi, mkv...)")
    p.add_argument("--zones", type=Path, metavar="ZONES.json",
                   help="lines and zones (ZoneSet JSON, see docs/messages.md); frame_width/height "
                        "default to the video's, and zones drawn on another size are scaled")
    p.add_argument("--line", type=_line, metavar="X1,Y1,X2,Y2",
                   help="a counting line; 'in' is a crossing from the left of P1->P2 to its right "
                        "as seen on screen (default without --zones: a vertical line through the "
                        "middle, so left-to-right is in)")
    p.add_argument("--detector", choices=["auto", "yolo", "hog"], default="auto",
                   help="auto: YOLO when weights load, else the HOG people detector")
    p.add_argument("--model", help="YOLO weights (default: $CAMCOUNT_MODEL, then yolo11n.pt)")
    p.add_argument("--backend", choices=["pytorch", "onnx", "openvino"],
                   help="YOLO runtime (default openvino; exported once, then cached)")
    p.add_argument("--imgsz", type=int, help="YOLO input size in pixels (default 640)")
    p.add_argument("--fps", type=_positive, help="analysis rate (default: every frame)")
    p.add_argument("--no-motion-skip", action="store_true", help="run inference on every frame")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--events", type=Path, metavar="FILE.csv",
                   help="also write every counted event (time, frame, line or zone, direction, "
                        "class, track) to this CSV file")


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, not {text!r}")
    return value


def _line(text: str) -> tuple[tuple[float, float], tuple[float, float]]:
    try:
        x1, y1, x2, y2 = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected X1,Y1,X2,Y2 in pixels, not {text!r}") from None
    return (x1, y1), (x2, y2)


async def command(args: argparse.Namespace) -> int:
    """The subcommand. Counting blocks: this CLI has nothing else for the event loop to do."""
    try:
        report = count(args)
        if args.events is not None:
            write_events(report, args.events)
    except CountVideoError as exc:
        print(f"camcount-worker count-video: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report.as_dict(), indent=2) if args.json else report.table())
    if report.gaps:
        print(f"camcount-worker count-video: {report.gap_text()}", file=sys.stderr)
        return INCOMPLETE
    return 0


#: exit status when part of the video could not be decoded: the counts miss that part
INCOMPLETE = 3


def write_events(report: Report, path: Path) -> None:
    """One row per counted event, in the order they were counted."""
    try:
        with path.open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(["time_s", "frame", "kind", "shape", "direction", "class", "track",
                          "dwell_s"])
            for e in report.events:
                t = (e.at - VIDEO_EPOCH).total_seconds()
                out.writerow([f"{t:.3f}", round(t * report.video_fps), e.kind, e.shape_id,
                              e.direction, e.class_name, e.track_id,
                              "" if e.dwell_seconds is None else f"{e.dwell_seconds:.2f}"])
    except OSError as exc:
        raise CountVideoError(f"cannot write events to {path}: {exc}") from exc


@dataclass
class ZoneFigures:
    name: str
    entries: int = 0
    exits: int = 0
    occupancy: int = 0
    peak_occupancy: int = 0
    dwell: list[float] = field(default_factory=list)

    @property
    def mean_dwell_seconds(self) -> float | None:
        return round(sum(self.dwell) / len(self.dwell), 2) if self.dwell else None


@dataclass
class Report:
    video: str
    width: int
    height: int
    video_fps: float
    analysis_fps: float
    model_version: str
    fallback_reason: str
    zone_set: ZoneSet
    counting: CountingData = field(default_factory=CountingData)
    zones: dict[str, ZoneFigures] = field(default_factory=dict)
    frames_read: int = 0
    #: what the container says it holds (None: it does not say)
    frames_total: int | None = None
    #: (first, last) frame numbers that could not be decoded and were skipped
    gaps: list[tuple[int, int]] = field(default_factory=list)
    #: every counted event, in order
    events: list[CountEvent] = field(default_factory=list)
    frames_processed: int = 0
    inferences: int = 0
    frames_skipped: int = 0
    mean_inference_ms: float = 0.0
    elapsed_seconds: float = 0.0

    def add(self, counting: CountingData) -> None:
        self.counting = counting
        self.events += counting.events
        for zid, z in counting.zone_analysis.items():
            figures = self.zones[zid]
            figures.entries, figures.exits, figures.occupancy = z.entries, z.exits, z.occupancy
            figures.peak_occupancy = max(figures.peak_occupancy, z.occupancy)
        for e in counting.events:
            if e.kind == "zone" and e.dwell_seconds is not None:
                self.zones[e.shape_id].dwell.append(e.dwell_seconds)

    def as_dict(self) -> dict[str, Any]:
        names = {s.id: s.label for s in [*self.zone_set.lines, *self.zone_set.zones]}
        transit: dict[str, list[float]] = {}
        for e in self.events:
            if e.kind == "route" and e.dwell_seconds is not None:
                transit.setdefault(e.shape_id, []).append(e.dwell_seconds)
        return {
            "video": self.video, "width": self.width, "height": self.height,
            "video_fps": self.video_fps, "analysis_fps": self.analysis_fps,
            "model_version": self.model_version, "fallback": bool(self.fallback_reason),
            "fallback_reason": self.fallback_reason,
            "count_in": self.counting.count_in, "count_out": self.counting.count_out,
            "lines": {lid: {"name": names[lid], "count_in": c.count_in, "count_out": c.count_out,
                            "by_class": c.by_class}
                      for lid, c in self.counting.lines.items()},
            "zones": {zid: {"name": z.name, "entries": z.entries, "exits": z.exits,
                            "occupancy": z.occupancy, "peak_occupancy": z.peak_occupancy,
                            "mean_dwell_seconds": z.mean_dwell_seconds}
                      for zid, z in self.zones.items()},
            "routes": {r.id: {"name": r.label, "origin": names[r.origin],
                              "destination": names[r.destination],
                              "count": sum(self.counting.routes.get(r.id, {}).values()),
                              "by_class": self.counting.routes.get(r.id, {}),
                              "mean_transit_seconds": _mean(transit.get(r.id))}
                       for r in self.zone_set.routes},
            "frames_read": self.frames_read, "frames_total": self.frames_total,
            "undecodable": [list(g) for g in self.gaps], "frames_processed": self.frames_processed,
            "inferences": self.inferences, "frames_skipped": self.frames_skipped,
            "mean_inference_ms": round(self.mean_inference_ms, 2),
            "elapsed_seconds": round(self.elapsed_seconds, 3),
        }

    def table(self) -> str:
        d = self.as_dict()
        rate = ("every frame" if self.analysis_fps >= self.video_fps
                else f"at {self.analysis_fps:g} fps")
        read = (f"{self.frames_read} of {self.frames_total}"
                if self.frames_total and self.frames_read < self.frames_total else self.frames_read)
        out = [f"{d['video']}: {self.width}x{self.height}, {read} frames at "
               f"{self.video_fps:g} fps ({self.frames_read / (self.video_fps or 1):.1f} s), analysed {rate}",
               f"detector: {self.model_version}"]
        if self.fallback_reason:
            out.append(f"  why: {self.fallback_reason}")
        if self.gaps:
            out.append(f"INCOMPLETE: {self.gap_text()}")
        if d["lines"]:
            w = max(len("line"), *(len(v["name"]) for v in d["lines"].values()))
            out += ["", f"{'line':<{w}}  {'in':>5}  {'out':>5}"]
            out += [f"{v['name']:<{w}}  {v['count_in']:>5}  {v['count_out']:>5}" for v in d["lines"].values()]
            if len(d["lines"]) > 1:
                out.append(f"{'total':<{w}}  {d['count_in']:>5}  {d['count_out']:>5}")
        if d["zones"]:
            w = max(len("zone"), *(len(v["name"]) for v in d["zones"].values()))
            out += ["", f"{'zone':<{w}}  entries  exits  occupancy  peak  mean dwell"]
            for v in d["zones"].values():
                dwell = "-" if v["mean_dwell_seconds"] is None else f"{v['mean_dwell_seconds']:.1f} s"
                out.append(f"{v['name']:<{w}}  {v['entries']:>7}  {v['exits']:>5}  "
                           f"{v['occupancy']:>9}  {v['peak_occupancy']:>4}  {dwell:>10}")
        if d["routes"]:
            out += ["", *route_matrix_lines(d["routes"])]
        speed = self.frames_processed / self.elapsed_seconds if self.elapsed_seconds else 0.0
        out += ["", f"{self.frames_processed} frames analysed: {self.inferences} inferences, "
                    f"{self.frames_skipped} skipped (no motion); {self.elapsed_seconds:.1f} s "
                    f"({speed:.1f} frames/s), {self.mean_inference_ms:.1f} ms per inference"]
        return "\n".join(out)


    def gap_text(self) -> str:
        fps = self.video_fps or 1
        parts = []
        for a, b in self.gaps:
            if self.frames_total is not None and b >= self.frames_total - 1:
                parts.append(f"stopped at frame {a} of {self.frames_total}: the rest "
                             f"({(self.frames_total - a) / fps:.1f} s) could not be decoded")
            else:
                parts.append(f"frames {a}-{b} ({(b - a + 1) / fps:.1f} s) could not be decoded "
                             "and were skipped")
        return "; ".join(parts) + "; the counts miss what happened there"


def _mean(values: list[float] | None) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def route_matrix_lines(routes: dict[str, dict[str, Any]]) -> list[str]:
    """The origin (rows) x destination (columns) matrix of people, then each route's mean
    transit time."""
    origins = list(dict.fromkeys(r["origin"] for r in routes.values()))
    dests = list(dict.fromkeys(r["destination"] for r in routes.values()))
    cells: dict[tuple[str, str], int] = {}
    for r in routes.values():
        key = (r["origin"], r["destination"])
        cells[key] = cells.get(key, 0) + r["count"]
    corner = "from \\ to"
    w = max(len(corner), *(len(o) for o in origins))
    cw = [max(5, len(dst)) for dst in dests]
    out = [f"{corner:<{w}}  " + "  ".join(f"{dst:>{c}}" for dst, c in zip(dests, cw, strict=True))]
    for o in origins:
        out.append(f"{o:<{w}}  " + "  ".join(
            f"{cells[(o, dst)] if (o, dst) in cells else '-':>{c}}"
            for dst, c in zip(dests, cw, strict=True)))
    out.append("")
    rw = max(len("route"), *(len(r["name"]) for r in routes.values()))
    out.append(f"{'route':<{rw}}  people  mean transit")
    for r in routes.values():
        t = "-" if r["mean_transit_seconds"] is None else f"{r['mean_transit_seconds']:.1f} s"
        out.append(f"{r['name']:<{rw}}  {r['count']:>6}  {t:>12}")
    return out


def read_frames(cap: cv2.VideoCapture, report: Report) -> Iterator[int]:
    """Grab the video's frames in order, yielding each one's number; where decoding fails before
    the end the container announces, seek past the damage and note the frames skipped."""
    total = report.frames_total
    step = max(1, round((report.video_fps or 25) / 10))  # look for the next good frame 0.1 s on
    i = 0
    while True:
        if cap.grab():
            report.frames_read += 1
            yield i
            i += 1
            continue
        if total is None or i >= total:
            return
        for target in range(i + 1, total, step):
            cap.set(cv2.CAP_PROP_POS_FRAMES, target)
            at = round(cap.get(cv2.CAP_PROP_POS_FRAMES))
            if i < at < total and cap.grab():
                report.gaps.append((i, at - 1))
                log.warning("%s: frames %d-%d could not be decoded; skipped", report.video, i, at - 1)
                report.frames_read += 1
                yield at
                i = at + 1
                break
        else:
            report.gaps.append((i, total - 1))
            return


def count(args: argparse.Namespace,
          on_frame: Callable[[int, np.ndarray, FrameOutcome], None] | None = None) -> Report:
    """Count the video of ``args``; ``on_frame(number, image, outcome)`` sees each analysed frame."""
    from workers.detector.factory import create_detector
    from workers.detector.pipeline import CameraPipeline
    from workers.detector.yolo import ModelUnavailableError

    cap = cv2.VideoCapture(str(args.video))
    if not cap.isOpened():
        raise CountVideoError(f"cannot read video {args.video}: missing, or not a format OpenCV decodes")
    try:
        width, height = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        video_fps = cap.get(cv2.CAP_PROP_FPS) or 25.0  # some containers do not say; 25 is common
        zone_set = build_zones(args.zones, args.line, width, height, args.video.stem)
        config = DetectorConfig(kind=args.detector, model=args.model,
                                motion_skip=not args.no_motion_skip)
        if args.backend:
            config.backend = args.backend
        if args.imgsz:
            config.imgsz = args.imgsz
        try:
            detector = create_detector(config)
        except ModelUnavailableError as exc:
            raise CountVideoError(str(exc)) from exc
        pipeline = CameraPipeline(detector, zone_set, config)
        analysis_fps = min(args.fps or video_fps, video_fps)
        report = Report(args.video.name, width, height, video_fps, analysis_fps,
                        detector.model_version, detector.fallback_reason, zone_set,
                        zones={z.id: ZoneFigures(z.label) for z in zone_set.zones})
        total = round(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        report.frames_total = total if total > 0 else None
        start = last_progress = time.perf_counter()
        next_at = 0.0  # video seconds of the next frame to analyse
        for i in read_frames(cap, report):
            t = i / video_fps
            if t + 1e-6 < next_at:
                continue  # grabbed but not decoded: sampling down is cheap
            next_at = max(next_at + 1.0 / analysis_fps, t)
            ok, image = cap.retrieve()
            if not ok:
                report.gaps.append((i, i))
                continue
            outcome = pipeline.process(image, VIDEO_EPOCH + timedelta(seconds=t))
            report.add(outcome.counting)
            report.frames_processed += 1
            if on_frame is not None:
                on_frame(i, image, outcome)
            if time.perf_counter() - last_progress > PROGRESS_EVERY_S:
                last_progress = time.perf_counter()
                log.info("%s: %.0f s of video done, in %d out %d", args.video.name, t,
                         outcome.counting.count_in, outcome.counting.count_out)
        report.elapsed_seconds = time.perf_counter() - start
    finally:
        cap.release()
    if report.frames_processed == 0:
        raise CountVideoError(f"{args.video} has no frames OpenCV can decode")
    stats = pipeline.stats
    report.inferences, report.frames_skipped = stats.inferences, stats.skipped
    report.mean_inference_ms = stats.mean_inference_ms
    return report


def build_zones(path: Path | None, line: tuple[tuple[float, float], tuple[float, float]] | None,
                width: int, height: int, camera_id: str) -> ZoneSet:
    """The zone set to count with, in the video's pixels; CountVideoError says what is wrong."""
    raw: dict[str, Any] = {"camera_id": camera_id}
    if path is not None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise CountVideoError(f"cannot read zones file {path}: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise CountVideoError(f"zones file {path} is not JSON: {exc}") from exc
        if not isinstance(raw, dict):
            raise CountVideoError(f"zones file {path} must hold a JSON object (a ZoneSet)")
        raw.setdefault("camera_id", camera_id)
    if "frame_width" not in raw and "frame_height" not in raw:
        raw.update(frame_width=width, frame_height=height)
    try:
        zone_set = ZoneSet.model_validate(raw)
    except ValidationError as exc:
        raise CountVideoError(f"bad zones file {path}: {explain(exc, cli_language())}") from exc
    if (zone_set.frame_width, zone_set.frame_height) != (width, height):
        log.info("zones drawn on %dx%d frames: scaled to the video's %dx%d",
                 zone_set.frame_width, zone_set.frame_height, width, height)
        zone_set = zone_set.scaled_to(width, height)
    if line is None and path is None:
        line = ((width / 2, height), (width / 2, 0))
    if line is not None:
        try:
            zone_set = ZoneSet.model_validate(
                {**zone_set.model_dump(), "lines": [*zone_set.model_dump()["lines"],
                                                    {"id": "line", "points": line}]})
        except ValidationError as exc:
            raise CountVideoError(f"bad --line: {explain(exc, cli_language())}") from exc
    return zone_set
