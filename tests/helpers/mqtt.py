"""MQTT brokers for tests: a Mosquitto of the test's own (plain or TLS), RabbitMQ's MQTT plugin,
and what a Home Assistant subscriber would see."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import aiomqtt
import pytest

MOSQUITTO = os.environ.get("CAMCOUNT_TEST_MOSQUITTO") or shutil.which("mosquitto") \
    or "/usr/sbin/mosquitto"


RABBIT_MQTT = "127.0.0.1:" + os.environ.get("CAMCOUNT_TEST_RABBIT_MQTT_PORT", "1884")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, up: bool, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            if up:
                return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} not {'open' if up else 'closed'} after {timeout} s")


@dataclass
class Mosquitto:
    """A Mosquitto of this test's own, without persistence: stopped, it forgets every retained
    message, as a broker that was replaced or lost its disk would."""

    port: int
    conf: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.conf.with_suffix(".log")
        with log.open("ab") as out:
            self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=out,
                                         stderr=subprocess.STDOUT)
        try:
            _wait_port(self.port, up=True)
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}: {log.read_text()[-2000:]}") from None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None
        _wait_port(self.port, up=False)


@dataclass
class TlsBroker:
    port: int
    ca_file: Path
    username: str = "bridge"
    password: str = "pa55-word-not-in-logs"


def rabbit_mqtt_address() -> tuple[str, int]:
    host, port = RABBIT_MQTT.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError as exc:
        pytest.skip(f"RabbitMQ's MQTT plugin not listening on {RABBIT_MQTT} ({exc}); enable it "
                    "with rabbitmq-plugins enable rabbitmq_mqtt (docs/integrations.md)")
    return host, int(port)


async def retained(host: str, port: int, pattern: str, *, settle: float = 1.0,
                   username: str | None = None, password: str | None = None) -> dict[str, bytes]:
    """What a new client sees retained under ``pattern``: the state a Home Assistant that
    connects now would get."""
    found: dict[str, bytes] = {}
    async with aiomqtt.Client(host, port, username=username, password=password) as client:
        await client.subscribe(pattern, qos=1)
        try:
            async with asyncio.timeout(settle):
                async for m in client.messages:
                    if m.retain and isinstance(m.payload, bytes) and m.payload:
                        found[m.topic.value] = m.payload
        except TimeoutError:
            pass
    return found


async def home_assistant_view(host: str, port: int, discovery_prefix: str, *,
                              settle: float = 1.5, username: str | None = None,
                              password: str | None = None) -> dict[str, bytes]:
    """What Home Assistant learns when it starts: it subscribes to the discovery prefix and
    announces itself (``{prefix}/status`` = online); integrations send their configs again.
    RabbitMQ's MQTT plugin gives retained messages only to exact subscriptions, so this is how
    Home Assistant gets them there."""
    found: dict[str, bytes] = {}
    async with aiomqtt.Client(host, port, username=username, password=password) as client:
        await client.subscribe(f"{discovery_prefix}/#", qos=1)
        await client.publish(f"{discovery_prefix}/status", b"online", qos=1)
        try:
            async with asyncio.timeout(settle):
                async for m in client.messages:
                    if isinstance(m.payload, bytes) and m.topic.value.endswith("/config"):
                        found[m.topic.value] = m.payload
        except TimeoutError:
            pass
    return {t: p for t, p in found.items() if p}
