"""A camera started with ``--camera`` on a camera worker (a process of its own, on real
RabbitMQ) was never saved from a console: the Cameras window shows what its worker says of it —
group, source, rate, state — instead of "(configuration not known here)"."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from tests.helpers.services import BROKER_URL
from tests.helpers.waiting import until
from tests.processes import spawn
from tests.rabbit_util import purge_namespace
from workers.bus.declare import declare
from workers.topology import Topology

pytestmark = pytest.mark.rabbit

SAMPLE = Path(__file__).resolve().parents[3] / "resources" / "samples" / "entrance.mp4"


async def test_a_camera_started_on_its_worker_shows_what_the_worker_says(
        qtbot, settings: Settings, namespace: str, tmp_path: Path) -> None:
    topology = Topology(namespace)
    await declare(BROKER_URL, topology)
    worker = spawn(["camera", "--broker", BROKER_URL, "--namespace", namespace, "--group",
                    "north", "--camera", f"yard={SAMPLE}", "--fps", "3", "--loop"],
                   tmp_path / "camera.log", dict(os.environ))
    console = Console(BROKER_URL, settings, namespace=namespace, host_workers=False)
    window = MainWindow(console, settings)
    qtbot.addWidget(window)
    window.show()
    try:
        await console.start()
        await until(lambda: console.started, 20, "the console connected")
        dialog = window.admin.open_cameras()

        def row() -> list[str]:
            table = dialog.table
            for i in range(table.rowCount()):
                if table.item(i, 0).text() == "yard":
                    return [table.item(i, j).text() for j in range(table.columnCount())]
            return []

        await until(lambda: (r := row()) and r[6] == "online", 30,
                    "the worker's camera listed online")
        cam_id, name, group, source, fps, enabled, state = row()
        assert (name, group, source, fps, enabled) == ("yard", "north", str(SAMPLE), "3", "yes")
        assert "(configuration not known here)" not in row()
        assert "started there with --camera" in dialog.table.item(0, 3).toolTip()
        # the camera list groups it where its worker runs it
        assert console.cameras.cameras["yard"].group == "north"
        assert worker.poll() is None, (tmp_path / "camera.log").read_text()[-2000:]
    finally:
        worker.terminate()
        worker.wait(30)
        await console.stop()
        await purge_namespace(BROKER_URL, topology, [topology.frame_queue("yard").name])
