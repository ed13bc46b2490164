"""``camcount-worker detector``: run the detector worker against a broker."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError

from workers.contracts import ZoneSet
from workers.contracts.base import describe
from workers.detector.base import DetectorConfig
from workers.privacy import add_privacy_arguments, privacy_from_args


def add_parser(sub: argparse._SubParsersAction, add_broker) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("detector", help="detect, track and count on camera frames")
    add_broker(p)
    p.add_argument("--worker-id", help="name in heartbeats and results (default: detector-HOST-PID)")
    add_model_arguments(p)
    p.add_argument("--camera", action="append", default=[], metavar="ID",
                   help="follow this camera from the start (others are found from their status)")
    p.add_argument("--zones", action="append", default=[], type=Path, metavar="ZONES.json",
                   help="a camera's lines and zones (ZoneSet JSON); may be repeated")
    add_privacy_arguments(p)
    p.set_defaults(run=run)


def add_model_arguments(p: argparse.ArgumentParser) -> None:
    """How to detect: for the detector worker, and the camera worker's ``--detect``."""
    p.add_argument("--detector", choices=["auto", "yolo", "hog"], default="auto",
                   help="auto: YOLO when weights load, else the HOG people detector")
    p.add_argument("--model", help="YOLO weights path (default: $CAMCOUNT_MODEL, then yolo11n.pt)")
    p.add_argument("--backend", choices=["pytorch", "onnx", "openvino"])
    p.add_argument("--imgsz", type=int)
    p.add_argument("--conf", type=float, help="minimum confidence")
    p.add_argument("--classes", help="comma-separated COCO class names (default: person)")
    p.add_argument("--tracker", choices=["bytetrack", "botsort"])
    p.add_argument("--no-motion-skip", action="store_true", help="run inference on every frame")
    p.add_argument("--lanes", type=_positive, metavar="N",
                   help="cameras analysed at the same time (default: the detector's choice, "
                        "2 for HOG, 1 for YOLO)")
    p.add_argument("--batch", type=_positive, metavar="N",
                   help="cameras' frames given to YOLO in one call (default 1)")
    p.add_argument("--throughput", action="store_true",
                   help="serve more cameras, each frame a little later: OpenVINO's throughput "
                        "hint with a lane per stream (HOG: a lane per core)")
    p.add_argument("--snapshot-kb", type=int, metavar="KB",
                   help="largest JPEG of a counted frame, the evidence stored with its count "
                   "events (default: 200; 0: no snapshots)")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def config_from_args(args: argparse.Namespace) -> DetectorConfig:
    cfg = DetectorConfig(kind=args.detector, model=args.model)
    for name, value in (("backend", args.backend), ("imgsz", args.imgsz),
                        ("confidence", args.conf), ("tracker", args.tracker),
                        ("lanes", args.lanes), ("batch", args.batch)):
        if value is not None:
            setattr(cfg, name, value)
    if args.classes:
        cfg.classes = [c.strip() for c in args.classes.split(",") if c.strip()]
    cfg.motion_skip = not args.no_motion_skip
    cfg.throughput = args.throughput
    if args.snapshot_kb is not None:
        cfg.snapshot_max_bytes = max(0, args.snapshot_kb) * 1024
    return cfg


async def run(args: argparse.Namespace) -> int:
    from workers.detector.worker import DetectorWorker
    from workers.service import default_worker_id, serve

    try:
        zones = [ZoneSet.model_validate_json(path.read_text()) for path in args.zones]
    except (OSError, ValidationError) as exc:
        reason = describe(exc, "ZoneSet") if isinstance(exc, ValidationError) else str(exc)
        print(f"camcount-worker detector: bad zones file: {reason}", file=sys.stderr)
        return 2
    worker_id = args.worker_id or default_worker_id("detector")
    worker = DetectorWorker(config_from_args(args), cameras=args.camera, zones=zones,
                            worker_id=worker_id, privacy=privacy_from_args(args))
    return await serve(worker, broker=args.broker, namespace=args.namespace, worker_id=worker_id)
