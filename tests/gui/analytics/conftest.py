"""An analytics worker on the console's in-process bus, with a real SQLite file, and count events
stored through its ingest path (published as detection results, as a detector would)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from camcount_desktop.console import Console
from tests.helpers.analytics import FAST
from tests.helpers.analytics_window import BERLIN
from workers.analytics import AnalyticsWorker


@pytest.fixture
async def worker(console: Console, tmp_path: Path) -> AsyncIterator[AnalyticsWorker]:
    w = AnalyticsWorker(db_url=f"sqlite+aiosqlite:///{tmp_path / 'camcount.db'}", timezone=BERLIN,
                        reports_dir=tmp_path / "reports", settings=FAST)
    await w.start(console.bus)
    console.analytics.timezone = BERLIN  # the operators' clocks, whatever this machine says
    try:
        yield w
    finally:
        await w.stop()
