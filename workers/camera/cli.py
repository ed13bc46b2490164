"""``camcount-worker camera``: cameras from the command line and/or a JSON file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from workers.bus.cli import topology_of
from workers.camera.worker import CameraWorker
from workers.contracts import CameraConfig
from workers.detector.command import add_model_arguments, config_from_args
from workers.i18n import cli_language, explain
from workers.privacy import add_privacy_arguments, privacy_from_args
from workers.service import default_worker_id, serve

_CONFIG_LIST = TypeAdapter(list[CameraConfig])


class CameraConfigError(ValueError):
    """Cameras given on the command line or in a file cannot be used; says which and why."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--camera", action="append", default=[], metavar="ID=SOURCE",
                        help="a camera: file path, rtsp://, http(s):// MJPEG or webcam index; "
                             "repeat for more")
    parser.add_argument("--config", type=Path, metavar="cameras.json",
                        help="JSON list of camera configurations (docs/cameras.md)")
    parser.add_argument("--fps", type=float, default=5.0,
                        help="analysis frames per second of --camera cameras (default 5)")
    parser.add_argument("--loop", action="store_true", help="replay --camera video files endlessly")
    parser.add_argument("--quality", type=int, default=80, help="JPEG quality of --camera cameras")
    parser.add_argument("--group", default="",
                        help="adopt cameras of this group added from the console (default: '')")
    add_privacy_arguments(parser)
    parser.add_argument("--detect", action="store_true",
                        help="detect and count here, on every frame, before it leaves: the "
                             "broker carries only results and pictures as the site's privacy "
                             "allows, never a frame as taken (needed with --privacy strict on a "
                             "broker; docs/privacy.md). Takes the detector worker's model options")
    add_model_arguments(parser)


def cameras_from_args(args: argparse.Namespace) -> list[CameraConfig]:
    """The cameras of ``--config`` and ``--camera``; raises CameraConfigError naming the fault."""
    cameras: list[CameraConfig] = []
    if args.config is not None:
        try:
            cameras += _CONFIG_LIST.validate_json(args.config.read_bytes())
        except OSError as exc:
            raise CameraConfigError(f"cannot read {args.config}: {exc.strerror}") from exc
        except ValidationError as exc:
            raise CameraConfigError(f"{args.config}: {explain(exc, cli_language())}") from exc
    for spec in args.camera:
        camera_id, sep, source = spec.partition("=")
        if not sep or not source:
            raise CameraConfigError(f"--camera {spec!r}: expected ID=SOURCE, e.g. door=rtsp://host/1")
        try:
            cameras.append(CameraConfig(camera_id=camera_id, source=source, analysis_fps=args.fps,
                                        loop=args.loop, jpeg_quality=args.quality, group=args.group))
        except ValidationError as exc:
            raise CameraConfigError(f"--camera {camera_id!r}: {explain(exc, cli_language())}") from exc
    return cameras


async def run(args: argparse.Namespace) -> int:
    worker_id = default_worker_id("camera")
    privacy = privacy_from_args(args)
    detector = None
    if args.detect:  # imported only then: a plain camera worker loads no model code
        from workers.detector.worker import DetectorWorker

        detector = DetectorWorker(config_from_args(args), worker_id=f"{worker_id}-detector",
                                  privacy=privacy, fused=True)
    try:
        worker = CameraWorker(cameras_from_args(args), group=args.group, privacy=privacy,
                              detector=detector)
    except ValueError as exc:  # CameraConfigError, or the same camera id twice
        print(f"camcount-worker camera: {exc}", file=sys.stderr)
        return 2
    return await serve(worker, broker=args.broker, namespace=args.namespace,
                       topology=topology_of(args), worker_id=worker_id)

