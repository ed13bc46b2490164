"""MQTT brokers for the bridge tests: a Mosquitto of the test's own (so it can be stopped and
started again), and RabbitMQ's MQTT plugin when it listens."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiomqtt
import pytest

from tests.conftest import REQUIRED

MOSQUITTO = os.environ.get("CAMCOUNT_TEST_MOSQUITTO") or shutil.which("mosquitto") \
    or "/usr/sbin/mosquitto"
#: RabbitMQ's MQTT plugin (rabbitmq_mqtt), on a port of its own next to Mosquitto's 1883
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


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    if not Path(MOSQUITTO).exists():
        why = f"no mosquitto binary at {MOSQUITTO} (apt-get install mosquitto)"
        if "mqtt" in REQUIRED:  # the test command found it: it must not silently vanish
            pytest.fail(why)
        pytest.skip(why)
    port = _free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    broker = Mosquitto(port, conf)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@dataclass
class TlsBroker:
    port: int
    ca_file: Path
    username: str = "bridge"
    password: str = "pa55-word-not-in-logs"


@pytest.fixture
def tls_mosquitto(tmp_path: Path) -> Iterator[TlsBroker]:
    """Mosquitto on TLS only, with a certificate from a CA of the test's own, and accounts."""
    openssl, passwd = shutil.which("openssl"), shutil.which("mosquitto_passwd")
    if not Path(MOSQUITTO).exists() or not openssl or not passwd:
        pytest.skip("needs mosquitto, mosquitto_passwd and openssl")
    d = tmp_path
    run = lambda *a: subprocess.run(a, check=True, capture_output=True, cwd=d)  # noqa: E731
    run(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
        "ca.crt", "-days", "1", "-subj", "/CN=camcount-test-ca")
    run(openssl, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr",
        "-subj", "/CN=localhost")
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run(openssl, "x509", "-req", "-in", "srv.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "srv.crt", "-days", "1", "-extfile", "ext.cnf")
    broker = TlsBroker(_free_port(), d / "ca.crt")
    run(passwd, "-c", "-b", str(d / "passwd"), broker.username, broker.password)
    conf = d / "tls.conf"
    conf.write_text(f"listener {broker.port} 127.0.0.1\ncafile {d / 'ca.crt'}\n"
                    f"certfile {d / 'srv.crt'}\nkeyfile {d / 'srv.key'}\n"
                    f"allow_anonymous false\npassword_file {d / 'passwd'}\npersistence false\n"
                    # as root it drops to user "mosquitto", who cannot read the test's folder
                    "user root\n")
    server = Mosquitto(broker.port, conf)
    server.start()
    try:
        yield broker
    finally:
        server.stop()


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
