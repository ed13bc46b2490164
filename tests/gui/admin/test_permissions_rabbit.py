"""An operator account on real RabbitMQ (created with rabbitmqctl as docs/admin.md says): admin
actions are disabled with the reason, a control message is refused with a clear message, and the
console's connection keeps working for everything else: an alert acknowledged in the console is
stored and shown as acknowledged by the operator's broker account."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from camcount_desktop.tooltips import wrapped
from tests.helpers.analytics import FAST
from tests.helpers.services import BROKER_URL
from tests.helpers.waiting import until
from tests.rabbit_util import operator_account, purge_namespace
from workers.analytics import AnalyticsWorker
from workers.analytics.client import AnalyticsClient
from workers.bus import Delivery, NotAllowed
from workers.bus.declare import declare
from workers.bus.rabbit import RabbitBus
from workers.contracts import CameraControl, CameraStatus, LineDef, SystemEvent, ZoneSet
from workers.storage import Database
from workers.storage.models import Alert
from workers.topology import Topology

pytestmark = pytest.mark.rabbit


@pytest.fixture
def operator(namespace: str) -> Iterator[str]:
    """An operator account for this test's namespace; its broker URL."""
    with operator_account(BROKER_URL, namespace) as (url, _):
        yield url


async def test_an_operator_is_refused_admin_actions_and_the_console_keeps_working(
        qtbot, settings: Settings, namespace: str, operator: str, tmp_path: Path) -> None:
    topology = Topology(namespace)
    await declare(BROKER_URL, topology)  # the workers' (admin) accounts declare the topology
    admin = RabbitBus(BROKER_URL, topology, source="admin-side")
    await admin.start()
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'camcount.db'}"
    analytics = AnalyticsWorker(db_url=db_url, settings=FAST, reports_dir=tmp_path)
    await analytics.start(admin)  # stores alerts and acknowledgements
    # lines saved before this console started: the operator's wall draws them at start
    saved = ZoneSet(camera_id="door", frame_width=640, frame_height=360,
                    lines=[LineDef(id="in", name="Way in", points=((320, 0), (320, 360)))])
    assert (await AnalyticsClient(admin).save_zone_set(saved, base_version=0)).saved
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
        await until(lambda: console.wall.state("door").zones == saved, 10,
                    "the stored lines drawn on the operator's wall")
        menu = window.admin
        await until(lambda: menu.access.allowed is False, 10, "the permission probe answered")
        user = operator.split("//")[1].split(":")[0]
        reason = (f"Not allowed for this account ({user}): it may not send control messages, so "
                  "it cannot change cameras, zones, alert rules or notification targets. Ask an "
                  "admin, or connect with an admin account.")
        assert not menu.cameras_action.isEnabled() and not menu.zones_action.isEnabled()
        assert not menu.alerting_action.isEnabled()
        assert menu.cameras_action.toolTip() == wrapped(reason) == menu.alerting_action.toolTip()
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

        # alerts are the services' to announce: an operator's publish there is refused too
        with pytest.raises(NotAllowed, match="ACCESS_REFUSED"):
            await console.bus.publish(topology.system_events, "", SystemEvent(
                event_type="alert", source="forger", severity="critical",
                data={"message": "forged"}))

        # the connection survived the refusals: status still arrives, and acknowledging an
        # alert works, recorded as the operator's broker account
        await admin.publish(topology.camera_events, topology.status_key("door"),
                            CameraStatus(camera_id="door", state="online", fps=5))
        await until(lambda: "door" in console.cameras.cameras
                    and console.cameras.cameras["door"].state == "online", 10)
        alert = SystemEvent(event_type="alert", source="alerts", severity="warning",
                            camera_id="door", data={"action": "raise", "message": "door offline"})
        await admin.publish(topology.system_events, "", alert)
        await until(lambda: alert.message_id in console.alerts.alerts, 10, "the alert shown")
        assert await console.alerts.acknowledge([alert.message_id]) == 1
        await until(lambda: any(e.data.get("action") == "acknowledge" for e in events), 10,
                    "the analytics worker's announcement")
        [announced] = [e for e in events if e.data.get("action") == "acknowledge"]
        assert (announced.data["alert_id"], announced.data["by"]) == (alert.message_id, user)
        assert console.alerts.alerts[alert.message_id].acked_by == user
        db = Database(db_url)
        try:
            async with db.transaction() as session:
                row = await session.get(Alert, alert.message_id)
            assert row is not None and row.acknowledged_by == user
        finally:
            await db.dispose()
        assert console.bus.state == "connected"
        assert controls == [] and not [e for e in events if e.data.get("message") == "forged"]
    finally:
        await console.stop()
        await analytics.stop()
        await admin.close()
        await purge_namespace(BROKER_URL, topology)
