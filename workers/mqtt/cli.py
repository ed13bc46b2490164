"""``camcount-worker mqtt``."""

from __future__ import annotations

import argparse
from pathlib import Path

from workers.bus.cli import add_broker_arguments, topology_of
from workers.mqtt.settings import ENV_URL, MqttConfigError, from_url


async def _mqtt(args: argparse.Namespace) -> int:
    from workers.mqtt.bridge import MqttBridge
    from workers.service import default_worker_id, serve

    try:
        settings = from_url(args.mqtt, topic_prefix=args.topic_prefix,
                            discovery_prefix="" if args.no_discovery else args.discovery_prefix,
                            node_id=args.node_id, qos=args.qos, min_interval_s=args.min_interval,
                            ca_file=args.ca_file)
    except MqttConfigError as exc:
        raise SystemExit(f"camcount-worker mqtt: {exc}") from exc
    worker_id = default_worker_id("mqtt")
    return await serve(MqttBridge(settings, worker_id=worker_id), broker=args.broker,
                       worker_id=worker_id, topology=topology_of(args))


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mqtt", help="publish counts, camera health and alerts to an MQTT broker, "
                       "with Home Assistant discovery")
    add_broker_arguments(p)
    p.add_argument("--mqtt", metavar="URL", help="mqtt://[user@]host[:port] or mqtts:// (default: "
                   f"${ENV_URL}, else mqtt://127.0.0.1:1883); the password from "
                   "$CAMCOUNT_MQTT_PASSWORD or the OS keyring (service camcount-mqtt)")
    p.add_argument("--ca-file", type=Path, help="CA certificate(s) to verify an mqtts:// broker with")
    p.add_argument("--topic-prefix", default="camcount", help="state topics (default: camcount)")
    p.add_argument("--discovery-prefix", default="homeassistant",
                   help="Home Assistant discovery prefix (default: homeassistant)")
    p.add_argument("--no-discovery", action="store_true", help="publish no discovery configs")
    p.add_argument("--node-id", default="camcount",
                   help="node id in discovery topics and unique ids (default: camcount); give "
                   "each site its own when several share a broker")
    p.add_argument("--qos", type=int, choices=[0, 1, 2], default=1)
    p.add_argument("--min-interval", type=float, default=1.0, metavar="SECONDS",
                   help="a topic is published at most this often (default: 1)")
    p.set_defaults(run=_mqtt)
