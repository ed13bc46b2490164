"""Times as the site reads them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def local_time(at: datetime, timezone: str) -> str:
    """``2026-12-01 07:00:03 CET``: what an operator in the site's zone reads."""
    return at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S %Z")
