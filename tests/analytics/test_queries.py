"""What the console and detectors ask the analytics worker, over request/reply."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.analytics import WorkerFactory
from tests.helpers.waiting import until_fetched
from workers.analytics import AnalyticsClient
from workers.analytics.client import RequestFailed
from workers.bus import Bus, RemoteError
from workers.contracts import CameraConfig, CameraControl, SystemEvent, ZoneSet
from workers.contracts.queries import (
    AcknowledgeAlert,
    AlertsQuery,
    AlertsReply,
    CamerasQuery,
    CamerasReply,
    ZoneSetQuery,
    ZoneSetReply,
)
from workers.contracts.zones import LineDef, ZoneDef


def zones(version: int, line_x: float) -> ZoneSet:
    return ZoneSet(camera_id="cam-a", version=version, frame_width=960, frame_height=540,
                   lines=[LineDef(id="door", points=((line_x, 540), (line_x, 0)))],
                   zones=[ZoneDef(id="queue", points=[(40, 300), (400, 300), (400, 530)])])


async def control(bus: Bus, msg: CameraControl) -> None:
    await bus.publish(bus.topology.camera_events, bus.topology.control_key(msg.camera_id), msg)


async def test_camera_configs_and_zone_versions_are_recorded_and_served(
        bus: Bus, tmp_path: Path, start_worker: WorkerFactory) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    first = await start_worker(bus, url)
    config = CameraConfig(camera_id="cam-a", name="Entrance",
                          source="rtsp://admin:hunter2@10.0.0.5/stream1")
    await control(bus, CameraControl(camera_id="cam-a", action="configure", config=config))
    await control(bus, CameraControl(camera_id="cam-a", action="set_zones", zones=zones(1, 480)))
    await control(bus, CameraControl(camera_id="cam-b", action="configure",
                                     config=CameraConfig(camera_id="cam-b", source="0")))
    await control(bus, CameraControl(camera_id="cam-b", action="remove"))
    client = AnalyticsClient(bus)
    await until_fetched(lambda: client.latest_zone_set("cam-a"), lambda z: z is not None)
    await first.stop()

    # Sent while no analytics worker runs: kept by its durable queue, recorded at the next start.
    await control(bus, CameraControl(camera_id="cam-a", action="set_zones", zones=zones(2, 300)))
    await start_worker(bus, url, worker_id="analytics-2")
    latest = await until_fetched(lambda: client.latest_zone_set("cam-a"), lambda z: z.version == 2)
    assert latest == zones(2, 300)  # what a detector starting now would count with
    v1 = await client.ask(ZoneSetQuery(camera_id="cam-a", version=1))
    assert isinstance(v1, ZoneSetReply) and v1.zone_set == zones(1, 480)

    cameras = await client.ask(CamerasQuery())
    assert isinstance(cameras, CamerasReply)
    assert [(c.camera_id, c.name, c.zones_version) for c in cameras.cameras] == [
        ("cam-a", "Entrance", 2)]
    assert cameras.cameras[0].config.source == "rtsp://admin:***@10.0.0.5/stream1"
    everything = await client.ask(CamerasQuery(include_removed=True))
    assert [c.camera_id for c in everything.cameras] == ["cam-a", "cam-b"]
    assert everything.cameras[1].removed_at is not None


async def test_invalid_queries_are_answered_with_the_reason(
        inprocess_bus: Bus, tmp_path: Path, start_worker: WorkerFactory) -> None:
    await start_worker(inprocess_bus, f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    client = AnalyticsClient(inprocess_bus)
    with pytest.raises(RemoteError, match="unknown time zone 'Mars/Olympus'"):
        await inprocess_bus.request(inprocess_bus.topology.rpc_analytics, {"query": {
            "kind": "series", "camera_id": "cam-a", "period": "hourly",
            "start": "2026-06-10T00:00:00Z", "end": "2026-06-11T00:00:00Z",
            "timezone": "Mars/Olympus"}})
    with pytest.raises(RemoteError, match="does not match any of the expected tags"):
        await inprocess_bus.request(inprocess_bus.topology.rpc_analytics,
                                    {"query": {"kind": "everything"}})
    with pytest.raises(RemoteError, match="hourly buckets spans at most 400 days"):
        await inprocess_bus.request(inprocess_bus.topology.rpc_analytics, {"query": {
            "kind": "series", "camera_id": "cam-a", "period": "hourly",
            "start": "2024-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}})
    with pytest.raises(RequestFailed, match="no alert 'nope'"):
        await client.ask(AcknowledgeAlert(alert_id="nope"))


async def test_alerts_are_recorded_once_and_acknowledged(
        inprocess_bus: Bus, tmp_path: Path, start_worker: WorkerFactory) -> None:
    await start_worker(inprocess_bus, f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    client = AnalyticsClient(inprocess_bus)
    alert = SystemEvent(event_type="alert", source="rules", severity="warning", camera_id="cam-a",
                        zone_id="queue", data={"message": "queue longer than 10"})
    health = SystemEvent(event_type="health", source="detector-1")
    for msg in (alert, health, alert):  # the alert twice: redelivered
        await inprocess_bus.publish(inprocess_bus.topology.system_events, "", msg)

    async def alerts(**fields) -> AlertsReply:
        reply = await client.ask(AlertsQuery(**fields))
        assert isinstance(reply, AlertsReply)
        return reply

    found = await until_fetched(alerts, lambda r: len(r.alerts) > 0)
    assert [(a.alert_id, a.data["message"]) for a in found.alerts] == [
        (alert.message_id, "queue longer than 10")]
    inprocess_bus.user = "operator-3"  # the acknowledger is who the bus says asks
    acked = await client.ask(AcknowledgeAlert(alert_id=alert.message_id))
    assert acked.acknowledged_by == "operator-3" and acked.acknowledged_at is not None
    assert (await alerts(unacknowledged_only=True)).alerts == []
    assert (await alerts()).alerts[0].acknowledged_by == "operator-3"
