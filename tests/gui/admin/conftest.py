"""The admin windows' tests: the notifier's real servers (``tests.helpers.notifier``) and the
analytics worker, which stores zone versions, on the console's bus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from camcount_desktop.console import Console
from tests.helpers.notifier import (  # noqa: F401 - fixtures of the alert rules and targets forms
    certificate,
    db_url,
    hook_secret,
    receiver,
    smtp_starttls,
    start_notifier,
)


@pytest.fixture
async def analytics(console: Console, tmp_path: Path) -> AsyncIterator[object]:
    """The analytics worker, which stores zone versions, on the console's bus."""
    from workers.analytics import AnalyticsSettings, AnalyticsWorker

    worker = AnalyticsWorker(db_url=f"sqlite+aiosqlite:///{tmp_path / 'zones.db'}",
                             reports_dir=tmp_path, settings=AnalyticsSettings(schedule=False))
    await worker.start(console.bus)
    try:
        yield worker
    finally:
        await worker.stop()
