"""The MQTT bridge against real brokers, seen by a real MQTT client as Home Assistant sees it:
discovery and states, a broker that goes away and comes back empty, a rename in the zone editor,
a line removed, alerts."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiomqtt
import pytest

from tests.helpers.mqtt import (
    RABBIT_MQTT,
    Mosquitto,
    TlsBroker,
    home_assistant_view,
    rabbit_mqtt_address,
    retained,
)
from tests.helpers.waiting import until_fetched
from tests.processes import spawn
from workers.analytics import AnalyticsSettings, AnalyticsWorker
from workers.bus import Bus, InProcessBus
from workers.contracts import (
    CameraConfig,
    CameraControl,
    CameraStatus,
    DetectionBlock,
    DetectionResult,
    SystemEvent,
    ZoneSet,
)
from workers.contracts.detection import CountingData, LineCounts, ZoneAnalysis
from workers.mqtt.bridge import MqttBridge
from workers.mqtt.settings import ENV_PASSWORD, MqttSettings, from_url
from workers.topology import Topology

pytestmark = pytest.mark.mqtt

CAM = "entrance"


def zones(version: int, line_name: str, with_zone: bool = True) -> ZoneSet:
    return ZoneSet.model_validate({
        "camera_id": CAM, "version": version, "frame_width": 960, "frame_height": 540,
        "lines": [{"id": "door", "name": line_name, "points": [[480, 540], [480, 0]]}],
        "zones": [{"id": "queue", "name": "Queue", "points": [[0, 300], [400, 300], [400, 540]]}]
        if with_zone else []})


def result(version: int, count_in: int, count_out: int, occupancy: int = 0) -> DetectionResult:
    return DetectionResult(
        camera_id=CAM, frame_id=uuid.uuid4().hex, frame_timestamp=datetime.now(UTC),
        frame_width=960, frame_height=540,
        detection_results=DetectionBlock(total_count=0, processing_time=0.01, model_version="t"),
        counting_data=CountingData(
            zones_version=version,
            lines={"door": LineCounts(count_in=count_in, count_out=count_out)},
            zone_analysis={"queue": ZoneAnalysis(occupancy=occupancy, entries=occupancy)}))


@dataclass
class Site:
    bus: Bus
    bridge: MqttBridge
    host: str
    port: int
    s: MqttSettings

    async def publish(self, *messages: CameraControl | DetectionResult | CameraStatus
                      | SystemEvent) -> None:
        t = self.bus.topology
        for m in messages:
            if isinstance(m, SystemEvent):
                await self.bus.publish(t.system_events, "", m, mandatory=False)
                continue
            key = (t.control_key if isinstance(m, CameraControl) else t.detection_key
                   if isinstance(m, DetectionResult) else t.status_key)(m.camera_id)
            await self.bus.publish(t.camera_events, key, m, mandatory=False)

    async def seen(self) -> dict[str, bytes]:
        return await retained(self.host, self.port, f"{self.s.topic_prefix}/#") | \
            await retained(self.host, self.port, f"{self.s.discovery_prefix}/#")

    def discovery(self, component: str, what: str) -> str:
        return f"{self.s.discovery_prefix}/{component}/{self.s.node_id}/{CAM}_{what}/config"


@pytest.fixture
async def make_site(namespace: str, tmp_path: Path) -> AsyncIterator[
        Callable[[str, int], Awaitable[Site]]]:
    """A bridge on an in-process bus, next to an analytics worker that stores zone sets."""
    started: list[tuple[Bus, AnalyticsWorker, MqttBridge]] = []

    async def make(host: str, port: int) -> Site:
        bus = InProcessBus(Topology(namespace), source="test")
        await bus.start()
        analytics = AnalyticsWorker(db_url=f"sqlite+aiosqlite:///{tmp_path / 'c.db'}",
                                    settings=AnalyticsSettings(schedule=False))
        await analytics.start(bus)
        run = uuid.uuid4().hex[:8]  # topics of their own on a shared broker
        s = MqttSettings(host=host, port=port, username="guest", password="guest",
                         topic_prefix=f"test-{run}/camcount",
                         discovery_prefix=f"test-{run}/homeassistant", min_interval_s=0.2)
        bridge = MqttBridge(s, worker_id=f"mqtt-{run}")
        await bridge.start(bus)
        started.append((bus, analytics, bridge))
        return Site(bus, bridge, host, port, s)

    yield make
    for bus, analytics, bridge in started:
        await bridge.stop()
        await analytics.stop()
        await bus.close()
        await clear_retained(bridge)


async def clear_retained(bridge: MqttBridge) -> None:
    """Leave nothing retained on a shared broker (RabbitMQ's plugin keeps it)."""
    s = bridge.s
    if f"{s.host}:{s.port}" != RABBIT_MQTT:
        return  # the test's own Mosquitto forgets everything when it stops
    async with aiomqtt.Client(s.host, s.port, username=s.username, password=s.password) as c:
        for topic in [*bridge.publisher.sent, s.bridge_status_topic]:
            await c.publish(topic, b"", qos=1, retain=True)


async def configure(site: Site) -> None:
    config = CameraConfig(camera_id=CAM, name="Entrance", source="/dev/null")
    await site.publish(CameraControl(camera_id=CAM, action="configure", config=config),
                       CameraControl(camera_id=CAM, action="set_zones", zones=zones(1, "Front door")),
                       CameraStatus(camera_id=CAM, state="online"),
                       result(1, count_in=3, count_out=1, occupancy=2))


async def test_home_assistant_sees_counts_and_keeps_them_across_a_broker_restart(
        mosquitto: Mosquitto, make_site: Callable[[str, int], Awaitable[Site]]) -> None:
    site = await make_site("127.0.0.1", mosquitto.port)
    p = site.s.topic_prefix
    await configure(site)

    seen = await until_fetched(site.seen, lambda seen: seen.get(f"{p}/{CAM}/door/in") == b"3", 30)
    door_in = json.loads(seen[site.discovery("sensor", "door_in")])
    print("discovery:", json.dumps(door_in, indent=1))
    assert door_in["name"] == "Front door in"
    assert door_in["state_topic"] == f"{p}/{CAM}/door/in"
    assert door_in["unit_of_measurement"] == "people"
    assert door_in["device"]["name"] == "Entrance"
    assert door_in["availability_topic"] == f"{p}/bridge/status"
    assert json.loads(seen[site.discovery("binary_sensor", "status")])["device_class"] == \
        "connectivity"
    assert seen[f"{p}/{CAM}/door/out"] == b"1"
    assert seen[f"{p}/{CAM}/queue/occupancy"] == b"2"
    assert seen[f"{p}/{CAM}/status"] == b"online"
    assert seen[f"{p}/bridge/status"] == b"online"

    # The broker goes away; counting goes on; a new, empty broker comes up on the same port.
    mosquitto.stop()
    await site.publish(result(1, count_in=4, count_out=1), result(1, count_in=5, count_out=2))
    await until_fetched(lambda: asyncio.sleep(0, result=site.bridge.connected), lambda c: not c, 30)
    mosquitto.start()

    seen = await until_fetched(site.seen, lambda seen: seen.get(f"{p}/{CAM}/door/in") == b"5", 30)
    assert seen[f"{p}/{CAM}/door/out"] == b"2"
    assert json.loads(seen[site.discovery("sensor", "door_in")])["name"] == "Front door in"
    assert seen[f"{p}/bridge/status"] == b"online"


async def test_a_rename_in_the_zone_editor_updates_discovery_and_a_removed_zone_disappears(
        mosquitto: Mosquitto, make_site: Callable[[str, int], Awaitable[Site]]) -> None:
    await rename_and_remove(await make_site("127.0.0.1", mosquitto.port))


async def test_rabbitmq_mqtt_plugin_serves_the_same_discovery(
        make_site: Callable[[str, int], Awaitable[Site]]) -> None:
    host, port = rabbit_mqtt_address()
    await rename_and_remove(await make_site(host, port))


async def rename_and_remove(site: Site) -> None:
    await configure(site)
    occupancy = site.discovery("sensor", "queue_occupancy")
    creds = {"username": site.s.username, "password": site.s.password}

    def ha_view() -> Awaitable[dict[str, bytes]]:
        return home_assistant_view(site.host, site.port, site.s.discovery_prefix, **creds)

    await until_fetched(ha_view, lambda seen: occupancy in seen
                        and site.discovery("sensor", "door_in") in seen, 30)
    # the admin renames the line and deletes the zone in the zone editor
    await site.publish(CameraControl(camera_id=CAM, action="set_zones",
                                     zones=zones(2, "Main entrance", with_zone=False)))

    def renamed(seen: dict[str, bytes]) -> bool:
        door = seen.get(site.discovery("sensor", "door_in"))
        return door is not None and json.loads(door)["name"] == "Main entrance in"

    seen = await until_fetched(ha_view, renamed, 30)
    assert occupancy not in seen, "a removed zone's sensors must disappear from Home Assistant"
    # and nothing of it is left retained on the broker
    # (RabbitMQ's MQTT plugin clears a retained message a moment after the empty one arrives)
    p = site.s.topic_prefix
    for topic in (occupancy, f"{p}/{CAM}/queue/occupancy", f"{p}/{CAM}/door/in"):
        states = await until_fetched(
            lambda t=topic: retained(site.host, site.port, t, **creds),
            lambda seen, t=topic: (t in seen) == t.endswith("door/in"), 10,
            what=f"{topic} retained only if it is the door's count")
    assert states[f"{p}/{CAM}/door/in"] == b"3"


async def test_alerts_raise_and_resolve_the_cameras_problem_sensor(
        mosquitto: Mosquitto, make_site: Callable[[str, int], Awaitable[Site]]) -> None:
    site = await make_site("127.0.0.1", mosquitto.port)
    await configure(site)
    alert_topic = f"{site.s.topic_prefix}/{CAM}/alert"
    await until_fetched(lambda: _topic_is(site, alert_topic, b"OFF"), bool, 30)
    raised = SystemEvent(event_type="alert", source="alerts", severity="critical", camera_id=CAM,
                         data={"action": "raise", "rule_id": "crowd", "message": "Queue full"})
    async with aiomqtt.Client("127.0.0.1", mosquitto.port) as watcher:
        await watcher.subscribe(f"{site.s.topic_prefix}/alerts", qos=1)
        await site.publish(raised)
        await until_fetched(lambda: _topic_is(site, alert_topic, b"ON"), bool, 30)
        await site.publish(SystemEvent(event_type="alert", source="alerts", camera_id=CAM,
                                       data={"action": "resolve", "alert_id": raised.message_id}))
        await until_fetched(lambda: _topic_is(site, alert_topic, b"OFF"), bool, 30)
        events = []
        async with asyncio.timeout(30):
            async for m in watcher.messages:
                assert isinstance(m.payload, bytes)
                events.append(json.loads(m.payload))
                if len(events) == 2:
                    break
    assert [(e["action"], e["alert_id"]) for e in events] == [
        ("raised", raised.message_id), ("resolved", raised.message_id)]
    assert events[0]["message"] == "Queue full" and events[0]["severity"] == "critical"


async def _topic_is(site: Site, topic: str, payload: bytes) -> bool:
    return (await retained(site.host, site.port, topic, settle=0.5)).get(topic) == payload


async def test_a_bridge_started_later_clears_what_an_earlier_run_left_of_a_deleted_zone(
        mosquitto: Mosquitto, make_site: Callable[[str, int], Awaitable[Site]]) -> None:
    site = await make_site("127.0.0.1", mosquitto.port)
    await configure(site)
    occupancy = site.discovery("sensor", "queue_occupancy")
    await until_fetched(site.seen, lambda seen: occupancy in seen, 30)
    # the bridge stops; meanwhile the admin deletes the zone; a new bridge starts
    await site.bridge.stop()
    await site.publish(CameraControl(camera_id=CAM, action="set_zones",
                                     zones=zones(2, "Front door", with_zone=False)))
    later = MqttBridge(site.s, worker_id="mqtt-later")
    await later.start(site.bus)
    try:
        seen = await until_fetched(site.seen, lambda seen: occupancy not in seen
                                   and f"{site.s.topic_prefix}/{CAM}/queue/occupancy" not in seen, 30)
        assert site.discovery("sensor", "door_in") in seen
    finally:
        await later.stop()


async def test_the_bridge_going_away_is_marked_offline_by_its_last_will(
        mosquitto: Mosquitto, tmp_path: Path) -> None:
    status = "lwt-test/bridge/status"
    proc = spawn(["mqtt", "--broker", "local", "--mqtt", f"mqtt://127.0.0.1:{mosquitto.port}",
                  "--topic-prefix", "lwt-test", "--no-discovery"], tmp_path / "mqtt.log",
                 dict(os.environ))
    try:
        await until_fetched(lambda: retained("127.0.0.1", mosquitto.port, status, settle=0.5),
                            lambda seen: seen.get(status) == b"online", 60)
        proc.send_signal(signal.SIGKILL)  # no goodbye: the broker speaks for it
        proc.wait(10)
        await until_fetched(lambda: retained("127.0.0.1", mosquitto.port, status, settle=0.5),
                            lambda seen: seen.get(status) == b"offline", 30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


async def test_over_tls_with_an_account_whose_password_is_never_logged(
        tls_mosquitto: TlsBroker, namespace: str, tmp_path: Path,
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    b = tls_mosquitto
    monkeypatch.setenv(ENV_PASSWORD, b.password)
    s = from_url(f"mqtts://{b.username}@127.0.0.1:{b.port}", ca_file=b.ca_file,
                 topic_prefix="tls/camcount", discovery_prefix="tls/homeassistant")
    bus = InProcessBus(Topology(namespace), source="test")
    await bus.start()
    bridge = MqttBridge(s, worker_id="mqtt-tls")
    caplog.set_level(logging.DEBUG)
    await bridge.start(bus)
    try:
        await bus.publish(bus.topology.camera_events, bus.topology.detection_key(CAM),
                          result(1, count_in=7, count_out=0), mandatory=False)
        tls = aiomqtt.TLSParameters(ca_certs=str(b.ca_file))

        async def door_in() -> bytes | None:
            async with aiomqtt.Client("127.0.0.1", b.port, username=b.username,
                                      password=b.password, tls_params=tls) as client:
                await client.subscribe(f"tls/camcount/{CAM}/door/in", qos=1)
                try:
                    async with asyncio.timeout(1):
                        async for m in client.messages:
                            return m.payload if isinstance(m.payload, bytes) else None
                except TimeoutError:
                    return None
            return None

        assert await until_fetched(door_in, lambda v: v == b"7", 30) == b"7"
    finally:
        await bridge.stop()
        await bus.close()
    assert f"mqtts://{b.username}@127.0.0.1:{b.port}" in caplog.text
    assert b.password not in caplog.text
