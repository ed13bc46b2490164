"""``camcount-worker analytics`` and ``camcount-worker db upgrade``."""

from __future__ import annotations

import argparse
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workers.bus.cli import add_broker_arguments, topology_of
from workers.storage import Database, head_revision, redact, upgrade
from workers.storage.database import ENV_DB_URL


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"unknown time zone {name!r}") from exc
    return name


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", help="sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db "
                   f"(default: ${ENV_DB_URL}, else SQLite in the user data folder)")


async def _analytics(args: argparse.Namespace) -> int:
    from workers.analytics.snapshots import SnapshotRetention
    from workers.analytics.worker import AnalyticsSettings, AnalyticsWorker
    from workers.service import default_worker_id, serve

    worker_id = default_worker_id("analytics")
    retention = SnapshotRetention(days=args.snapshot_days or None,
                                  max_mb=args.snapshot_mb or None)
    worker = AnalyticsWorker(db_url=args.db, timezone=args.timezone, reports_dir=args.reports_dir,
                             worker_id=worker_id,
                             settings=AnalyticsSettings(snapshots=retention))
    if args.http:
        from workers.analytics import http_api

        try:
            worker = http_api.WithCountsApi(worker, http_api.parse_address(args.http),
                                            http_api.token_from_environment())
        except http_api.ApiConfigError as exc:
            raise SystemExit(f"camcount-worker analytics: {exc}") from exc
    return await serve(worker, broker=args.broker, worker_id=worker_id, topology=topology_of(args))


async def _db_upgrade(args: argparse.Namespace) -> int:
    db = Database(args.db)
    try:
        revision = await upgrade(db)
    finally:
        await db.dispose()
    print(f"{redact(str(db.url))} is at schema revision {revision} (head {head_revision()})")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``analytics`` and ``db`` on camcount-worker's sub-commands."""
    p = sub.add_parser("analytics", help="run the analytics worker (storage, aggregation, "
                       "queries, reports)")
    add_broker_arguments(p)
    _add_db(p)
    p.add_argument("--timezone", type=_timezone, default="UTC",
                   help="IANA time zone of the hourly/daily/weekly/monthly buckets (default: UTC)")
    p.add_argument("--reports-dir", type=Path,
                   help="where finished reports are stored (default: the user data folder)")
    p.add_argument("--http", metavar="[HOST:]PORT",
                   help="serve the read-only counts API (JSON, CSV, OpenAPI) here; loopback "
                   "unless a host is given; the token from $CAMCOUNT_API_TOKEN or the OS keyring "
                   "(service camcount-api, user token) (default: off)")
    p.add_argument("--snapshot-days", type=float, default=30.0, metavar="DAYS",
                   help="delete snapshots of counted frames older than this (0: keep; "
                   "default: 30)")
    p.add_argument("--snapshot-mb", type=float, default=2048.0, metavar="MB",
                   help="delete the oldest snapshots while all take more than this (0: no "
                   "limit; default: 2048)")
    p.set_defaults(run=_analytics)

    db = sub.add_parser("db", help="manage the analytics database")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="migrate the schema to the current version")
    _add_db(up)
    up.set_defaults(run=_db_upgrade)
