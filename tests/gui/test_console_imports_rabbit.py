"""The console on a broker loads no worker: its memory is the window's, not the workers' it
does not run (local mode loads them when it starts them)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.helpers.services import BROKER_URL
from tests.rabbit_util import purge_namespace
from workers.topology import Topology

pytestmark = pytest.mark.rabbit

ROOT = Path(__file__).resolve().parents[2]

#: what only workers need: their own stacks, storage, inference
WORKER_ONLY = ["workers.detector", "workers.camera.worker", "workers.camera.reader",
               "workers.analytics.worker", "workers.notifier.worker", "workers.alerts",
               "workers.mqtt", "workers.storage", "torch", "ultralytics", "openvino",
               "sqlalchemy", "aiosmtplib", "aiomqtt", "reportlab"]

CODE = """
import asyncio, sys, tempfile
import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

app = QApplication([])
loop = qasync.QEventLoop(app)
asyncio.set_event_loop(loop)

async def main():
    from camcount_desktop.console import Console
    from camcount_desktop.main_window import MainWindow
    from camcount_desktop.settings import Settings

    settings = Settings(QSettings(tempfile.mkdtemp() + "/s.ini", QSettings.Format.IniFormat))
    console = Console(sys.argv[1], settings, namespace=sys.argv[2])
    window = MainWindow(console, settings)
    window.show()
    await console.start()
    await asyncio.sleep(2)  # subscriptions made, first queue depths and stored state asked for
    print(console.bus.state)
    watched = sys.argv[3].split(",")
    print("loaded:" + ",".join(m for m in watched
                               if any(n == m or n.startswith(m + ".") for n in sys.modules)))
    await console.stop()
    window.close_now()

with loop:
    loop.run_until_complete(main())
"""


def test_console_on_a_broker_imports_no_worker_stack() -> None:
    namespace = f"t-{uuid.uuid4().hex[:8]}."
    try:
        run = subprocess.run([sys.executable, "-c", CODE, BROKER_URL, namespace, ",".join(WORKER_ONLY)],
                             capture_output=True, text=True, timeout=120, cwd=ROOT,
                             env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    finally:
        asyncio.run(purge_namespace(BROKER_URL, Topology(namespace)))
    assert run.returncode == 0, run.stderr[-2000:]
    state, loaded = run.stdout.splitlines()[-2:]
    assert state == "connected", "the console did connect to the broker"
    assert loaded == "loaded:", f"the console on a broker imported {loaded.split(':')[1]}"
