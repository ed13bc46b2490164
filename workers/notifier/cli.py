"""``camcount-worker notifier`` and ``camcount-worker alerts``."""

from __future__ import annotations

import argparse
from pathlib import Path

from workers.alerts.config import ENV_CONFIG
from workers.storage.database import ENV_DB_URL
from workers.topology import Topology


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--broker", help="amqp(s)://user@host/vhost, or 'local' (default: "
                   "$CAMCOUNT_BROKER_URL, else local)")
    p.add_argument("--namespace", default="", help="prefix of every exchange and queue name")
    p.add_argument("--quorum", action="store_true",
                   help="declare quorum queues where their arguments allow (clustered brokers)")
    p.add_argument("--config", type=Path, help="alert rules and notification targets (default: "
                   f"${ENV_CONFIG}, else notifications.json in the user data folder)")
    p.add_argument("--db", help="the analytics store, where alerts and the notification log live "
                   f"(default: ${ENV_DB_URL}, else SQLite in the user data folder)")


def _topology(args: argparse.Namespace) -> Topology:
    return Topology(args.namespace, queue_type="quorum" if args.quorum else "classic")


async def _notifier(args: argparse.Namespace) -> int:
    from workers.notifier.worker import NotifierWorker
    from workers.service import default_worker_id, serve

    worker_id = default_worker_id("notifier")
    worker = NotifierWorker(config_path=args.config, db_url=args.db, worker_id=worker_id)
    return await serve(worker, broker=args.broker, worker_id=worker_id, topology=_topology(args))


async def _alerts(args: argparse.Namespace) -> int:
    from workers.alerts.worker import AlertsWorker
    from workers.service import default_worker_id, serve

    worker_id = default_worker_id("alerts")
    worker = AlertsWorker(config_path=args.config, db_url=args.db, worker_id=worker_id)
    return await serve(worker, broker=args.broker, worker_id=worker_id, topology=_topology(args))


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("notifier", help="deliver email and webhook notifications (retries, rate "
                       "limits, circuit breakers)")
    _common(p)
    p.set_defaults(run=_notifier)
    p = sub.add_parser("alerts", help="evaluate the alert rules (run one per site, or none if the "
                       "analytics worker runs them)")
    _common(p)
    p.set_defaults(run=_alerts)
