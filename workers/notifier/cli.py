"""``camcount-worker notifier``."""

from __future__ import annotations

import argparse

from workers.alerting import cli as alerting_cli
from workers.bus.cli import add_broker_arguments, topology_of


async def _notifier(args: argparse.Namespace) -> int:
    from workers.notifier.worker import NotifierWorker
    from workers.service import default_worker_id, serve

    worker_id = default_worker_id("notifier")
    worker = NotifierWorker(config_path=args.config, db_url=args.db, worker_id=worker_id)
    return await serve(worker, broker=args.broker, worker_id=worker_id, topology=topology_of(args))


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("notifier", help="deliver email and webhook notifications (retries, rate "
                       "limits, circuit breakers)")
    add_broker_arguments(p)
    alerting_cli.add_arguments(p)
    p.set_defaults(run=_notifier)
