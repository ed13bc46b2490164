"""``camcount-worker notifier``."""

from __future__ import annotations

import argparse

from workers.alerting import cli as alerting_cli
from workers.topology import Topology


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--broker", help="amqp(s)://user@host/vhost, or 'local' (default: "
                   "$CAMCOUNT_BROKER_URL, else local)")
    p.add_argument("--namespace", default="", help="prefix of every exchange and queue name")
    p.add_argument("--quorum", action="store_true",
                   help="declare quorum queues where their arguments allow (clustered brokers)")
    alerting_cli.add_arguments(p)


async def _notifier(args: argparse.Namespace) -> int:
    from workers.notifier.worker import NotifierWorker
    from workers.service import default_worker_id, serve

    worker_id = default_worker_id("notifier")
    worker = NotifierWorker(config_path=args.config, db_url=args.db, worker_id=worker_id)
    topology = Topology(args.namespace, queue_type="quorum" if args.quorum else "classic")
    return await serve(worker, broker=args.broker, worker_id=worker_id, topology=topology)


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("notifier", help="deliver email and webhook notifications (retries, rate "
                       "limits, circuit breakers)")
    _common(p)
    p.set_defaults(run=_notifier)
