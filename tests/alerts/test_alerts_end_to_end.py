"""A camera goes offline: the rule engine (inside the analytics worker) raises an alert that is
stored, shown in the console's alerts panel and sent to a webhook by the notifier; an operator
acknowledges it in the console and the acknowledgement is stored; the camera's return resolves
it everywhere (the console's row of the alert turns resolved)."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.helpers.analytics import FAST
from tests.helpers.notifier import SECRET, Receiver, StartNotifier, hook_config
from tests.helpers.waiting import until_fetched
from workers.analytics import AnalyticsWorker
from workers.bus import Bus
from workers.contracts import AlertAcknowledgement, CameraStatus, SystemEvent
from workers.contracts.alerting import CameraOfflineRule
from workers.notifier.signing import verify
from workers.storage import Database
from workers.storage.models import Alert

pytestmark = pytest.mark.gui


async def test_camera_outage_alert_reaches_console_store_and_webhook_then_resolves(
        inprocess_bus: Bus, receiver: Receiver, start_notifier: StartNotifier, db_url: str,
        tmp_path) -> None:
    from camcount_desktop.alerts.controller import AlertsController

    bus = inprocess_bus
    rule = CameraOfflineRule(id="cam-down", name="Camera down", for_seconds=1.5,
                             severity="critical", cooldown_seconds=0, targets=["hook"])
    config = hook_config(receiver.url).model_copy(update={"rules": [rule]})
    analytics = AnalyticsWorker(db_url=db_url, settings=FAST, reports_dir=tmp_path,
                                alerting=config)
    await analytics.start(bus)
    await start_notifier(bus, config)

    async def publish(ack: AlertAcknowledgement) -> None:
        await bus.publish(bus.topology.alert_acks, "", ack)

    bus.user = "operator-7"  # the local user: who the in-process bus says sends
    console = AlertsController(publish, source="console-test", user=bus.user)

    async def to_console(event: SystemEvent, _) -> None:
        if event.event_type == "alert":
            console.on_alert(event)

    await bus.subscribe(bus.topology.system_events, [], to_console, model=SystemEvent)
    db = Database(db_url)

    async def status(state: str) -> None:
        await bus.publish(bus.topology.camera_events, bus.topology.status_key("gate"),
                          CameraStatus(camera_id="gate", state=state, detail="no route to host"
                                       if state == "offline" else ""))

    async def stored() -> list[Alert]:
        async with db.transaction() as session:
            return list((await session.execute(Alert.__table__.select())).all())

    try:
        await status("online")
        await status("offline")  # a blip
        await asyncio.sleep(0.5)
        await status("online")
        await asyncio.sleep(2.0)
        assert console.alerts == {} and receiver.hits == []

        await status("offline")  # an outage
        [shown] = await until_fetched(lambda: _async(console.newest_first()), timeout=10)
        assert (shown.severity, shown.camera_id) == ("critical", "gate")
        assert shown.text == "Camera down — Camera gate offline (no route to host) for more than 1.5 s"
        [hit] = await receiver.wait_hits(1)
        assert verify(SECRET, hit.body, hit.headers["X-CamCount-Signature"])
        payload = json.loads(hit.body)
        assert (payload["event"], payload["alert_id"], payload["camera_id"]) == (
            "alert.raised", shown.alert_id, "gate")

        assert await console.acknowledge([shown.alert_id]) == 1
        [row] = await until_fetched(stored, lambda rows: rows and rows[0].acknowledged_by, timeout=10)
        assert (row.alert_id, row.rule_id, row.acknowledged_by) == (shown.alert_id, "cam-down",
                                                                   "operator-7")
        # the analytics worker's announcement reached the console: the record, not a guess
        await until_fetched(lambda: _async(console._unconfirmed), lambda pending: not pending,
                            timeout=10)
        assert console.alerts[shown.alert_id].acked_by == "operator-7"

        await status("online")
        [resolved] = await until_fetched(lambda: _async(console.newest_first()),
                                         lambda alerts: not alerts[0].active, timeout=10)
        assert resolved.alert_id == shown.alert_id, "the resolve updates the alert's row"
        assert resolved.resolution.startswith("Resolved after")
        [row] = await until_fetched(stored, lambda rows: rows[0].resolved_at is not None, timeout=10)
        hits = await receiver.wait_hits(2)
        assert json.loads(hits[1].body)["event"] == "alert.resolved"
    finally:
        await analytics.stop()
        await db.dispose()


async def _async(value):
    return value
