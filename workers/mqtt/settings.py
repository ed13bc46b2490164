"""Where the MQTT bridge publishes and how: broker address, credentials, topics, QoS, rate cap.

The password comes from the URL, ``CAMCOUNT_MQTT_PASSWORD`` or the OS keyring (service
``camcount-mqtt``, the user name as key) and is never logged (``redacted`` is what logs show).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

ENV_URL = "CAMCOUNT_MQTT_URL"
ENV_PASSWORD = "CAMCOUNT_MQTT_PASSWORD"
KEYRING_SERVICE = "camcount-mqtt"
DEFAULT_URL = "mqtt://127.0.0.1:1883"


class MqttConfigError(ValueError):
    pass


@dataclass(frozen=True)
class MqttSettings:
    host: str = "127.0.0.1"
    port: int = 1883
    tls: bool = False
    ca_file: Path | None = None
    username: str | None = None
    password: str | None = None
    #: state topics: {prefix}/{camera}/{line}/in ...
    topic_prefix: str = "camcount"
    #: Home Assistant's discovery prefix; empty turns discovery off
    discovery_prefix: str = "homeassistant"
    #: the node id in discovery topics, so two sites on one broker stay apart
    node_id: str = "camcount"
    qos: int = 1
    #: a retained topic is published at most this often (the newest value wins)
    min_interval_s: float = 1.0
    #: a camera whose status stops for this long is published as offline
    camera_silence_s: float = 15.0
    client_id: str = ""

    @property
    def redacted(self) -> str:
        user = f"{self.username}@" if self.username else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{user}{self.host}:{self.port}"

    @property
    def bridge_status_topic(self) -> str:
        return f"{self.topic_prefix}/bridge/status"


def _keyring_password(user: str) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:  # pragma: no cover - a frozen build may drop keyring
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, user)
    except KeyringError:
        return None


def from_url(url: str | None, **options: object) -> MqttSettings:
    """``mqtt://[user[:password]@]host[:port]`` or ``mqtts://`` (TLS, port 8883 by default)."""
    url = (url or os.environ.get(ENV_URL) or DEFAULT_URL).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts"):
        raise MqttConfigError(f"MQTT broker URL must start with mqtt:// or mqtts://, not "
                              f"{parts.scheme or url!r}")
    tls = parts.scheme == "mqtts"
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    if user and password is None:
        password = os.environ.get(ENV_PASSWORD) or _keyring_password(user)
        if password is None:
            raise MqttConfigError(f"no password for MQTT user {user!r}: put it in {ENV_PASSWORD} "
                                  f"or the OS keyring (service {KEYRING_SERVICE!r})")
    prefix = str(options.get("topic_prefix", "camcount"))
    if not prefix or re.search(r"[+#]", prefix) or prefix.startswith("/"):
        raise MqttConfigError(f"topic prefix {prefix!r}: must be non-empty, without + # or a "
                              "leading /")
    qos = int(options.get("qos", 1))  # type: ignore[call-overload]
    if qos not in (0, 1, 2):
        raise MqttConfigError(f"QoS must be 0, 1 or 2, not {qos}")
    return MqttSettings(host=parts.hostname or "127.0.0.1", port=parts.port or (8883 if tls else 1883),
                        tls=tls, username=user, password=password,
                        **options)  # type: ignore[arg-type]
