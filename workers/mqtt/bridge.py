"""The MQTT bridge worker: follows live results, camera status, camera controls and alerts on the
bus and keeps an MQTT broker's retained topics (states and Home Assistant discovery) up to date.

Everything it publishes is derived state, so it follows the live streams with its own short
subscriptions (like the alerts worker) and never holds up a fact queue. Names of lines and zones
come from the stored zone sets (asked of the analytics worker at start) and from the zone
editor's saves as analytics announces them (``zones_stored``). When the MQTT broker goes away the bridge
reconnects with backoff and sends the latest value of every topic again; its last will marks
it offline meanwhile. Alert events are not retained: up to ``EVENT_BACKLOG`` wait for the broker,
and the bridge logs how many it had to leave out beyond that.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import time
from collections import deque
from typing import Any

import aiomqtt

from workers.analytics.client import AnalyticsClient, RequestFailed
from workers.bus import Bus, Delivery, Subscription
from workers.contracts import CameraControl, CameraStatus, DetectionResult, SystemEvent
from workers.mqtt.publisher import RetainedPublisher
from workers.mqtt.settings import MqttSettings
from workers.mqtt.site import Site
from workers.tasks import cancel_and_wait

log = logging.getLogger(__name__)

EVENT_BACKLOG = 1000
RECONNECT_MAX_S = 30.0
PUBLISH_TIMEOUT_S = 10.0
COALESCE_S = 0.05
#: how long retained topics of an earlier run are looked for after connecting
FIND_S = 5.0


class MqttBridge:
    role = "mqtt"

    def __init__(self, settings: MqttSettings, *, worker_id: str = "mqtt"):
        self.s = settings
        self.worker_id = worker_id
        self.site = Site(settings)
        self.publisher = RetainedPublisher(settings.min_interval_s)
        self.connected = False
        self.events_dropped = 0
        self._events: deque[dict[str, Any]] = deque()
        self._bus: Bus | None = None
        self._subs: list[Subscription] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._fetching: set[str] = set()
        self._wake = asyncio.Event()
        self._stopping = False
        #: Home Assistant's birth message: it wants every discovery config again. Also how it
        #: gets them from RabbitMQ's MQTT plugin, which gives retained messages only to
        #: subscriptions without wildcards.
        self._ha_status = f"{settings.discovery_prefix}/status"
        self._resend = False

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self, bus: Bus) -> None:
        self._bus = bus
        t = bus.topology
        self._subs += [
            await bus.subscribe(t.camera_events, ["camera.control.*"], self._on_control,
                                model=CameraControl),
            await bus.subscribe(t.camera_events, ["camera.detection.*"], self._on_result,
                                model=DetectionResult, max_length=1000),
            await bus.subscribe(t.camera_events, ["camera.status.*"], self._on_status,
                                model=CameraStatus),
            await bus.subscribe(t.system_events, [], self._on_system, model=SystemEvent),
        ]
        loop = asyncio.get_running_loop()
        self._tasks += [loop.create_task(self._load_site(), name="mqtt-load-site"),
                        loop.create_task(self._mqtt_forever(), name="mqtt-connection")]
        log.info("MQTT bridge to %s, topics under %s/, discovery under %s/", self.s.redacted,
                 self.s.topic_prefix, self.s.discovery_prefix or "(off)")

    async def stop(self) -> None:
        for sub in reversed(self._subs):
            await sub.cancel()
        self._subs.clear()
        self._stopping = True
        self._wake.set()
        if self._tasks:  # the connection task says "offline" and disconnects on its own
            await asyncio.wait(self._tasks[-1:], timeout=5)
        await cancel_and_wait(*self._tasks)
        self._tasks.clear()

    def stats(self) -> dict[str, Any]:
        return {"mqtt": self.s.redacted, "connected": self.connected,
                "cameras": len(self.site.cameras), "published": self.publisher.published,
                "events_waiting": len(self._events), "events_dropped": self.events_dropped}

    # -- the bus side ---------------------------------------------------------------------------
    def _changed(self) -> None:
        self._wake.set()

    async def _on_result(self, r: DetectionResult, _: Delivery) -> None:
        if self.site.on_result(r):
            self._fetch_zone_set(r.camera_id)
        self._changed()

    async def _on_status(self, status: CameraStatus, _: Delivery) -> None:
        self.site.on_status(status, time.monotonic())
        self._changed()

    async def _on_control(self, control: CameraControl, _: Delivery) -> None:
        self.site.on_control(control)
        self._changed()

    async def _on_system(self, event: SystemEvent, _: Delivery) -> None:
        if event.event_type != "alert" or (payload := self.site.on_alert(event)) is None:
            return
        if len(self._events) >= EVENT_BACKLOG:
            self._events.popleft()
            self.events_dropped += 1
            log.warning("MQTT broker away: %d alert event(s) not published so far (the "
                        "cameras' alert sensors still show the latest state)",
                        self.events_dropped)
        self._events.append(payload)
        self._changed()

    async def _load_site(self) -> None:
        """Camera names and zone sets from the analytics worker; asked again until it answers."""
        assert self._bus is not None
        client = AnalyticsClient(self._bus)
        delay = 1.0
        while True:
            try:
                reply = await client.cameras()
                for info in reply.cameras:
                    cam = self.site.camera(info.camera_id)
                    cam.name = info.name
                    if info.config is not None:
                        cam.classes = list(info.config.classes)
                    if (zones := await client.latest_zone_set(info.camera_id)) is not None:
                        self.site.set_zone_set(zones)
                self._changed()
                log.info("MQTT bridge: %d camera(s) known to analytics", len(reply.cameras))
                return
            except RequestFailed as exc:
                log.warning("camera names and zone sets not available yet (%s); asking again "
                            "in %.0f s", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_S)

    def _fetch_zone_set(self, camera_id: str) -> None:
        if camera_id in self._fetching:
            return
        self._fetching.add(camera_id)
        task = asyncio.get_running_loop().create_task(self._fetch(camera_id))
        task.add_done_callback(lambda _: self._fetching.discard(camera_id))

    async def _fetch(self, camera_id: str) -> None:
        assert self._bus is not None
        try:
            zones = await AnalyticsClient(self._bus).latest_zone_set(camera_id)
        except RequestFailed as exc:
            log.warning("zone set of %s not available (%s): shapes named by id", camera_id, exc)
            return
        if zones is not None:
            self.site.set_zone_set(zones)
            self._changed()

    # -- the MQTT side --------------------------------------------------------------------------
    def _client(self) -> aiomqtt.Client:
        s = self.s
        tls = None
        if s.tls:
            tls = aiomqtt.TLSParameters(ca_certs=str(s.ca_file) if s.ca_file else None,
                                        cert_reqs=ssl.CERT_REQUIRED)
        return aiomqtt.Client(
            s.host, s.port, username=s.username, password=s.password,
            identifier=s.client_id or self.worker_id, tls_params=tls, keepalive=15, timeout=10,
            will=aiomqtt.Will(s.bridge_status_topic, b"offline", qos=max(s.qos, 1), retain=True))

    async def _mqtt_forever(self) -> None:
        delay = 1.0
        while not self._stopping:
            try:
                async with self._client() as client:
                    delay = 1.0
                    await self._session(client)
            except aiomqtt.MqttError as exc:
                if self.connected or delay == 1.0:
                    log.warning("MQTT broker %s: %s; connecting again", self.s.redacted, exc)
            except Exception:  # a bug must not end the bridge's publishing silently
                log.exception("MQTT bridge session failed; connecting again")
            self.connected = False
            if self._stopping:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_S)

    async def _session(self, client: aiomqtt.Client) -> None:
        s = self.s
        self.publisher.reset()

        async def send(topic: str, payload: bytes) -> None:
            await client.publish(topic, payload, qos=s.qos, retain=True, timeout=PUBLISH_TIMEOUT_S)

        await client.publish(s.bridge_status_topic, b"online", qos=max(s.qos, 1), retain=True,
                             timeout=PUBLISH_TIMEOUT_S)
        self.connected = True
        log.info("MQTT broker %s connected", s.redacted)
        # what an earlier run left retained (cleared once the camera's shapes are known): it
        # arrives right after subscribing; later the subscription would only echo our own
        finding = [f"{s.topic_prefix}/#"]
        if s.discovery_prefix:
            finding.append(f"{s.discovery_prefix}/+/{s.node_id}/+/config")
            await client.subscribe(self._ha_status, qos=1)
        for pattern in finding:
            await client.subscribe(pattern, qos=1)
        found_until = time.monotonic() + FIND_S
        reader = asyncio.get_running_loop().create_task(self._read(client))
        try:
            while not self._stopping:
                if finding and time.monotonic() > found_until:
                    for pattern in finding:
                        await client.unsubscribe(pattern, timeout=PUBLISH_TIMEOUT_S)
                    finding = []
                self._wake.clear()
                if self._resend:  # Home Assistant (re)started: everything again
                    self._resend = False
                    self.publisher.sent.clear()
                now = time.monotonic()
                if self.site.silent_cameras(now):
                    log.info("cameras silent for %.0f s published offline", s.camera_silence_s)
                wanted = self.site.retained()
                stale = self.publisher.stale(wanted, self.site.settled)
                due = await self.publisher.sync(wanted, stale, send, now)
                while self._events:
                    await client.publish(f"{s.topic_prefix}/alerts",
                                         json.dumps(self._events[0]).encode(), qos=s.qos,
                                         timeout=PUBLISH_TIMEOUT_S)
                    self._events.popleft()
                # a burst of results is taken in one round, not one round per result
                await asyncio.sleep(COALESCE_S)
                wait = 1.0 if due is None else max(0.01, min(1.0, due - time.monotonic()))
                woken = asyncio.ensure_future(self._wake.wait())
                done, _ = await asyncio.wait([reader, woken], timeout=wait,
                                             return_when=asyncio.FIRST_COMPLETED)
                woken.cancel()
                if reader in done:
                    reader.result()  # raises the MqttError that ended the connection
                    raise aiomqtt.MqttError("the broker closed the connection")
            await client.publish(s.bridge_status_topic, b"offline", qos=max(s.qos, 1),
                                 retain=True, timeout=PUBLISH_TIMEOUT_S)
        finally:
            await cancel_and_wait(reader)

    async def _read(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            payload = message.payload if isinstance(message.payload, bytes) else b""
            if not payload or (not message.retain and message.topic.value != self._ha_status):
                continue  # our own live publishes echoed back, or cleared topics
            topic = message.topic.value
            if topic == self._ha_status:
                self._resend = payload == b"online"
                self._changed()
            elif topic not in self.publisher.sent and (cam := self.site.owner(topic, payload)):
                self.publisher.found[topic] = cam
                self._changed()
