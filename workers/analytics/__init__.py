"""The analytics worker: count event storage, aggregation, queries and reports (docs/analytics.md).

Names are loaded on first use: a detector or console that only asks queries (``client``) must not
pull in the database, migrations and report rendering the worker needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workers.analytics.client import AnalyticsClient
    from workers.analytics.worker import AnalyticsSettings, AnalyticsWorker

__all__ = ["AnalyticsClient", "AnalyticsSettings", "AnalyticsWorker"]


def __getattr__(name: str) -> Any:
    if name == "AnalyticsClient":
        from workers.analytics import client

        return client.AnalyticsClient
    if name in ("AnalyticsSettings", "AnalyticsWorker"):
        from workers.analytics import worker

        return getattr(worker, name)
    raise AttributeError(f"module 'workers.analytics' has no attribute {name!r}")
