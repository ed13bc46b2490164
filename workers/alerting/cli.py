"""Command-line flags of the workers that read the alerting configuration."""

from __future__ import annotations

import argparse
from pathlib import Path

from workers.alerting.config import ENV_CONFIG
from workers.storage.database import ENV_DB_URL


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="alert rules and notification targets (default: "
                   f"${ENV_CONFIG}, else notifications.json in the user data folder)")
    p.add_argument("--db", help="the analytics store, where alerts and the notification log live "
                   f"(default: ${ENV_DB_URL}, else SQLite in the user data folder)")
