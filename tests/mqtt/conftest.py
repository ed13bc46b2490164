"""MQTT brokers for the bridge tests: a Mosquitto of the test's own (so it can be stopped and
started again), and RabbitMQ's MQTT plugin when it listens."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.mqtt import (
    MOSQUITTO,
    Mosquitto,
    TlsBroker,
    _free_port,
)
from tests.helpers.services import REQUIRED


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
