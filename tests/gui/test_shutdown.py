"""Closing the console in local mode: workers stop in order and every count they made is stored;
SIGTERM closes it the same way."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from tests.helpers.waiting import until
from workers.bus import Delivery
from workers.contracts import DetectionResult
from workers.storage import Database

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def crossings(result: DetectionResult) -> int:
    return result.counting_data.count_in + result.counting_data.count_out


async def test_closing_the_window_stores_every_count_the_detector_made(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'counts.db'}"
    monkeypatch.setenv("CAMCOUNT_DB_URL", db_url)
    console = Console("local", settings)  # the sample camera, its line, the hosted workers
    window = MainWindow(console, settings)
    window.show()
    published: list[DetectionResult] = []
    close_requested = asyncio.Event()
    window.close_requested.connect(close_requested.set)

    async def on_result(r: DetectionResult, _: Delivery) -> None:
        published.append(r)

    await console.start()
    t = console.bus.topology
    await console.bus.subscribe(t.camera_events, ["camera.detection.*"], on_result,
                                model=DetectionResult)
    await until(lambda: published and crossings(published[-1]) >= 2, 120,
                "two crossings on the sample video")
    # the sample's alert rule fired on a walker in the left half, and the panel shows it
    await until(lambda: console.alerts.newest_first(), 20, "the sample alert")
    assert "left half" in console.alerts.newest_first()[-1].text
    window.close()
    assert close_requested.is_set() and window.isVisible()  # shutting down, not gone yet
    await console.stop()  # what camcount-desktop does on close_requested
    window.close_now()
    assert not window.isVisible()

    last = published[-1]  # the detector's final count: nothing after the workers stopped
    db = Database(db_url)
    async with db.transaction() as s:
        stored = (await s.execute(sa.text(
            "SELECT direction, count(*) FROM count_events WHERE camera_id = 'entrance' "
            "AND kind = 'line' GROUP BY direction"))).all()
    await db.dispose()
    assert dict(stored) == {k: v for k, v in (("in", last.counting_data.count_in),
                                              ("out", last.counting_data.count_out)) if v}


def test_sigterm_shuts_the_console_down_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "counts.db"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path),
           "CAMCOUNT_DB_URL": f"sqlite+aiosqlite:///{db}", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "camcount_desktop.app", "--log-level", "INFO"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 120
        while not _line_events(db):  # counting: the sample's first walker crosses at ~4 s
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "no count stored within 120 s"
            time.sleep(1)
        proc.send_signal(signal.SIGTERM)
        _, log = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, log[-3000:]
    assert "Traceback" not in log, log[-3000:]


def _line_events(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM count_events WHERE kind = 'line'").fetchone()[0]
    except sqlite3.OperationalError:  # the schema is still being created
        return 0
