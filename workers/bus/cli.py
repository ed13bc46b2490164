"""The broker flags every ``camcount-worker`` command that talks to a broker takes."""

from __future__ import annotations

import argparse

from workers.topology import Topology


def add_broker_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--broker", help="amqp(s)://user@host/vhost, or 'local' (default: "
                   "$CAMCOUNT_BROKER_URL, else local)")
    p.add_argument("--namespace", default="", help="prefix of every exchange and queue name")
    p.add_argument("--quorum", action="store_true",
                   help="declare quorum queues where their arguments allow (clustered brokers)")


def topology_of(args: argparse.Namespace) -> Topology:
    return Topology(args.namespace, queue_type="quorum" if args.quorum else "classic")
