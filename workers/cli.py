"""``camcount-worker``: run a worker, manage the topology, count a video offline."""

from __future__ import annotations

import argparse
import logging
import sys

from workers import __version__, count_video, evaluate, service
from workers.alerts import cli as alerts_cli
from workers.analytics import cli as analytics_cli
from workers.bus.cli import add_broker_arguments, topology_of
from workers.bus.config import redact, resolve
from workers.bus.errors import BusError
from workers.camera import cli as camera_cli
from workers.detector import command as detector_cmd
from workers.models import cli as models_cli
from workers.mqtt import cli as mqtt_cli
from workers.notifier import cli as notifier_cli
from workers.runtime import run

log = logging.getLogger("camcount")


async def _topology_cmd(args: argparse.Namespace) -> int:
    from workers.bus.declare import reconcile

    url = resolve(args.broker)
    if url == "local":
        print("topology commands need a RabbitMQ URL: --broker amqp://user@host/vhost",
              file=sys.stderr)
        return 2
    found = await reconcile(url, topology_of(args), create=args.action == "declare")
    verb = "declared" if args.action == "declare" else "matches"
    if not found:
        print(f"topology {verb} on {redact(url)}")
        return 0
    for m in found:
        print(m)
    print(f"{len(found)} difference(s) on {redact(url)}", file=sys.stderr)
    return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="camcount-worker", description=__doc__)
    parser.add_argument("--version", action="version", version=f"camcount-worker {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    topo = sub.add_parser("topology", help="declare or check the RabbitMQ topology")
    topo.add_argument("action", choices=["declare", "check"])
    add_broker_arguments(topo)
    topo.set_defaults(run=_topology_cmd)

    camera = sub.add_parser("camera", help="open cameras and publish their frames and health")
    add_broker_arguments(camera)
    camera_cli.add_arguments(camera)
    camera.set_defaults(run=camera_cli.run)

    detector_cmd.add_parser(sub, add_broker_arguments)

    video = sub.add_parser("count-video", help="count people in a video file, without a broker")
    count_video.add_arguments(video)
    video.set_defaults(run=count_video.command)

    score = sub.add_parser("evaluate", help="count a video and score the counts against the "
                                            "true crossings (accuracy per line and direction)")
    evaluate.add_arguments(score)
    score.set_defaults(run=evaluate.command)

    analytics_cli.add_commands(sub)
    notifier_cli.add_commands(sub)
    alerts_cli.add_commands(sub)
    mqtt_cli.add_commands(sub)
    models_cli.add_commands(sub)
    for name in WORKERS:
        _add_metrics(sub.choices[name])
    return parser


#: the sub-commands that run a worker (each can expose Prometheus metrics)
WORKERS = ("camera", "detector", "analytics", "notifier", "alerts", "mqtt")


def _add_metrics(p: argparse.ArgumentParser) -> None:
    p.add_argument("--metrics-port", type=int, metavar="PORT",
                   help="serve Prometheus metrics on http://HOST:PORT/metrics (default: off)")
    p.add_argument("--metrics-host", default="127.0.0.1",
                   help="address the metrics endpoint listens on (default: 127.0.0.1; 0.0.0.0 "
                   "for a Prometheus on another machine)")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if getattr(args, "metrics_port", None) is not None:
        service.metrics_address = (args.metrics_host, args.metrics_port)
    try:
        return run(args.run(args))
    except BusError as exc:
        print(f"camcount-worker: {exc}", file=sys.stderr)
        return 2
    except (OSError, ConnectionError) as exc:
        print(f"camcount-worker: cannot reach the broker: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
