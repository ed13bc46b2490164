"""An admin saves a camera in a group no camera worker serves: the alert engine (its own process on
the real broker) raises an offline alert naming the camera, and resolves it once a camera worker
for that group (a process of its own) runs."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import pytest

from tests.helpers.services import BROKER_URL
from tests.processes import spawn
from tests.rabbit_util import purge_namespace
from workers.bus.rabbit import RabbitBus
from workers.contracts import CameraConfig, CameraControl, SystemEvent
from workers.contracts.alerting import AlertingConfig, CameraOfflineRule
from workers.topology import Topology

pytestmark = [pytest.mark.rabbit, pytest.mark.slow]

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "samples" / "entrance.mp4"


async def test_a_camera_no_worker_serves_alerts_until_one_runs(namespace: str,
                                                               tmp_path: Path) -> None:
    config = tmp_path / "notifications.json"
    config.write_text(AlertingConfig(rules=[CameraOfflineRule(
        id="cam-down", name="Camera down", for_seconds=1, cooldown_seconds=0)],
    ).model_dump_json())
    common = ["--broker", BROKER_URL, "--namespace", namespace]
    env = dict(os.environ)
    bus = RabbitBus(BROKER_URL, Topology(namespace), source="admin-console")
    await bus.start()
    alerts: list[SystemEvent] = []
    roles: set[str] = set()

    async def on_system(event: SystemEvent, _) -> None:
        if event.event_type == "alert":
            alerts.append(event)
        elif event.event_type == "health":
            roles.add(str(event.data.get("role")))

    await bus.subscribe(bus.topology.system_events, [], on_system, model=SystemEvent)
    procs = [
        spawn(["alerts", *common, "--config", str(config),
               "--db", f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"], tmp_path / "alerts.log", env),
        spawn(["camera", *common, "--group", "north"], tmp_path / "north.log", env)]

    async def wait_for(action: str, timeout: float = 60) -> SystemEvent:
        deadline = time.monotonic() + timeout
        while True:
            found = [a for a in alerts if a.data["action"] == action]
            if found:
                return found[0]
            for p, name in zip(procs, ["alerts", "north", "south"], strict=False):
                assert p.poll() is None, (tmp_path / f"{name}.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (tmp_path / "alerts.log").read_text()[-3000:]
            await asyncio.sleep(0.3)

    try:
        deadline = time.monotonic() + 60
        while not {"alerts", "camera"} <= roles:  # both run (and follow control messages)
            assert time.monotonic() < deadline, (tmp_path / "alerts.log").read_text()[-3000:]
            await asyncio.sleep(0.3)
        await bus.publish(bus.topology.camera_events, bus.topology.control_key("yard"),
                          CameraControl(camera_id="yard", action="configure", config=CameraConfig(
                              camera_id="yard", name="Yard gate", source=str(SAMPLE),
                              group="south")))
        raised = await wait_for("raise")
        assert raised.camera_id == "yard"
        assert raised.data["message"] == ("Camera Yard gate has no camera worker: none runs for "
                                          "its group 'south' for more than 1 s")
        assert raised.data["camera_name"] == "Yard gate"
        assert not [a for a in alerts if a.data["action"] == "resolve"]

        procs.append(spawn(["camera", *common, "--group", "south"], tmp_path / "south.log", env))
        resolved = await wait_for("resolve")
        assert resolved.data["alert_id"] == raised.message_id
        assert json.loads(resolved.model_dump_json())["data"]["message"].startswith(
            "Resolved after")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)
        await bus.close()
        await purge_namespace(BROKER_URL, bus.topology, [
            bus.topology.frame_queue("yard").name])
