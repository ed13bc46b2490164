"""``camcount-worker evaluate``: count a video as ``count-video`` does and score the counts
against the true crossings, per line and direction.

    camcount-worker evaluate door.mp4 --truth door.csv --line 480,540,480,0 --review review/

TRUTH is a CamCount ground-truth JSON (``python -m workers.samples[.scenarios]``) or a CSV of
``frame_or_time,line,direction`` typed while watching (see ``workers.accuracy.truth``). With a
JSON truth and neither ``--zones`` nor ``--line``, the truth's own line is counted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2

from workers import count_video
from workers.accuracy import review
from workers.accuracy.matching import DEFAULT_TOLERANCE_S, CountedEvent, Score, score
from workers.accuracy.truth import TrueCrossing, TruthError, load
from workers.contracts.detection import Detection


def add_arguments(p: argparse.ArgumentParser) -> None:
    count_video.add_arguments(p)
    p.add_argument("--truth", type=Path, required=True, metavar="TRUTH.json|TRUTH.csv",
                   help="the true crossings: a CamCount ground-truth JSON, or a CSV of "
                        "frame_or_time,line,direction (171 is a frame; 17.1s or 0:17.1 a time)")
    p.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE_S, metavar="SECONDS",
                   help=f"how far a count may be from its true crossing (default {DEFAULT_TOLERANCE_S:g})")
    p.add_argument("--review", type=Path, metavar="DIR",
                   help="write a snapshot of every missed and extra count and DIR/index.html")


def events_of(report: count_video.Report) -> list[CountedEvent]:
    out = []
    for e in report.events:
        if e.kind == "line":
            t = (e.at - count_video.VIDEO_EPOCH).total_seconds()
            out.append(CountedEvent(t, round(t * report.video_fps), e.shape_id, e.direction,
                                    e.track_id, e.class_name))
    return out


def _truth(args: argparse.Namespace) -> tuple[list[TrueCrossing], object | None]:
    """The true crossings and, for our JSON, the ground truth; raises TruthError or
    CountVideoError before any counting when the truth or the lines are wrong."""
    cap = cv2.VideoCapture(str(args.video))
    if not cap.isOpened():
        raise count_video.CountVideoError(f"cannot read video {args.video}")
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    size = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    cap.release()
    truth = load(args.truth, fps)
    ground = None
    if args.truth.suffix.lower() == ".json":
        from workers.samples.synth import GroundTruth

        ground = GroundTruth.load(args.truth)
        if args.zones is None and args.line is None:
            x1, y1, x2, y2 = ground.line
            args.line = ((x1, y1), (x2, y2))
    zones = count_video.build_zones(args.zones, args.line, *size, args.video.stem)
    lines = [ln.id for ln in zones.lines]
    unknown = sorted({c.line for c in truth} - set(lines))
    if unknown:
        raise TruthError(f"the truth names line(s) {', '.join(unknown)} but the zones have "
                         f"{', '.join(lines) or 'no lines'}")
    return truth, ground


async def command(args: argparse.Namespace) -> int:
    try:
        truth, ground = _truth(args)
    except (TruthError, count_video.CountVideoError) as exc:
        print(f"camcount-worker evaluate: {exc}", file=sys.stderr)
        return 2
    tracked: dict[int, list[Detection]] = {}
    try:
        report = count_video.count(
            args, lambda i, _image, outcome: tracked.__setitem__(i, outcome.detections))
        if args.events is not None:
            count_video.write_events(report, args.events)
    except count_video.CountVideoError as exc:
        print(f"camcount-worker evaluate: {exc}", file=sys.stderr)
        return 2
    lines = [ln.id for ln in report.zone_set.lines]
    result = score(truth, events_of(report), args.tolerance, lines)
    figures = {"video": report.video, "detector": report.model_version,
               "tolerance_s": args.tolerance, **result.as_dict(),
               "undecodable": [list(g) for g in report.gaps]}
    if args.review is not None:
        boxes = {} if ground is None else {
            (w.id, w.first_frame + k): b for w in ground.walkers for k, b in enumerate(w.boxes)}
        index = review.write(args.review, args.video, review.cases(result, report.video_fps, boxes),
                             report.zone_set, tracked, f"{report.video}: missed and extra counts")
        figures["review"] = str(index)
    if not args.json:
        print(_table(report, result, args.tolerance))
        if args.review is not None:
            print(f"review: {figures['review']}")
    print(json.dumps(figures))
    if report.gaps:
        print(f"camcount-worker evaluate: {report.gap_text()}", file=sys.stderr)
        return count_video.INCOMPLETE
    return 0


def _table(report: count_video.Report, result: Score, tolerance: float) -> str:
    head = [f"{report.video}: {report.frames_processed} frames analysed with {report.model_version}"
            f", counts within {tolerance:g} s of a true crossing match it", ""]
    return "\n".join([*head, result.table(), "",
                      f"overall: {result.true} true, {result.counted} counted, {result.missed} "
                      f"missed, {result.extra} extra, accuracy {100 * result.accuracy:.1f}%"])
