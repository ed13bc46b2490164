"""An operator account on real RabbitMQ (created with rabbitmqctl as docs/admin.md says): admin
actions are disabled with the reason, a control message is refused with a clear message, and the
console's connection keeps working for everything else."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from camcount_desktop.admin.permissions import operator_permissions
from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from tests.conftest import BROKER_URL
from tests.gui.conftest import until
from tests.rabbit_util import purge_namespace
from workers.bus import Delivery
from workers.bus.declare import declare
from workers.bus.rabbit import RabbitBus
from workers.contracts import CameraControl, CameraStatus, SystemEvent
from workers.topology import Topology

pytestmark = pytest.mark.rabbit


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture
def operator(namespace: str) -> Iterator[str]:
    """An operator account for this test's namespace; its broker URL."""
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not on this machine: cannot create a broker account")
    user, password = f"camcount-operator-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    rabbitmqctl("add_user", user, password)
    try:
        rabbitmqctl("set_permissions", "-p", "/", user, *operator_permissions(namespace))
        yield BROKER_URL.replace("guest:guest@", f"{user}:{password}@")
    finally:
        rabbitmqctl("delete_user", user)


async def test_an_operator_is_refused_admin_actions_and_the_console_keeps_working(
        qtbot, settings: Settings, namespace: str, operator: str) -> None:
    topology = Topology(namespace)
    await declare(BROKER_URL, topology)  # the workers' (admin) accounts declare the topology
    admin = RabbitBus(BROKER_URL, topology, source="admin-side")
    await admin.start()
    controls: list[CameraControl] = []
    events: list[SystemEvent] = []

    async def on_control(c: CameraControl, _: Delivery) -> None:
        controls.append(c)

    async def on_event(e: SystemEvent, _: Delivery) -> None:
        events.append(e)

    await admin.subscribe(topology.camera_events, [topology.control_key("*")], on_control,
                          model=CameraControl)
    await admin.subscribe(topology.system_events, [], on_event, model=SystemEvent)
    console = Console(operator, settings, namespace=namespace, host_workers=False)
    window = MainWindow(console, settings)
    qtbot.addWidget(window)
    window.show()
    try:
        await console.start()
        await until(lambda: console.started, 20, "the operator's console connected")
        menu = window.admin
        await until(lambda: menu.access.allowed is False, 10, "the permission probe answered")
        user = operator.split("//")[1].split(":")[0]
        reason = (f"Not allowed for this account ({user}): it may not send control messages, so "
                  "it cannot change cameras, zones, alert rules or notification targets. Ask an "
                  "admin, or connect with an admin account.")
        assert not menu.cameras_action.isEnabled() and not menu.zones_action.isEnabled()
        assert not menu.alerting_action.isEnabled()
        assert menu.cameras_action.toolTip() == reason == menu.alerting_action.toolTip()
        assert menu.access_label.text() == "Admin actions: not allowed for this account"

        editor = menu.open_zones("door")  # a child of the window: closed with it
        await until(lambda: editor.loaded.done(), 10, "the editor opened")
        assert not editor.save_button.isEnabled() and editor.status.text() == reason

        rules = menu.open_alerting()  # its request to the notifier is refused too
        await asyncio.wait_for(rules.loaded, 10)
        assert not rules.add_rule_button.isEnabled() and not rules.add_target_button.isEnabled()
        assert rules.status.text() == reason

        # refused at the action too (rights taken away while a dialog was open)
        error = await menu.access.send(CameraControl(camera_id="door", action="stop"))
        assert error == reason

        # the connection survived both refusals: status still arrives, and the operator's own
        # messages (an alert acknowledgement) still go out
        await admin.publish(topology.camera_events, topology.status_key("door"),
                            CameraStatus(camera_id="door", state="online", fps=5))
        await until(lambda: "door" in console.cameras.cameras
                    and console.cameras.cameras["door"].state == "online", 10)
        ack = SystemEvent(event_type="alert", source=console.source,
                          data={"action": "acknowledge", "alert_id": "a-1", "by": user})
        await console.bus.publish(topology.system_events, "", ack)
        await until(lambda: any(e.message_id == ack.message_id for e in events), 10)
        assert console.bus.state == "connected"
        assert controls == []
    finally:
        await console.stop()
        await admin.close()
        await purge_namespace(BROKER_URL, topology)
