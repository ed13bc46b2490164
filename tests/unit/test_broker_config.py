from __future__ import annotations

import pytest

from workers.bus import BrokerConfigError, InProcessBus, create_bus
from workers.bus.config import ENV_PASSWORD, redact, resolve


def test_local_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAMCOUNT_BROKER_URL", raising=False)
    assert resolve(None) == "local"
    assert isinstance(create_bus(None, source="t"), InProcessBus)


def test_guest_refused_off_loopback() -> None:
    with pytest.raises(BrokerConfigError, match="refusing the default guest account on mq.site"):
        resolve("amqp://guest:guest@mq.site/")
    with pytest.raises(BrokerConfigError, match="guest"):
        resolve("amqps://mq.site/")
    assert resolve("amqp://guest:guest@127.0.0.1/") == "amqp://guest:guest@127.0.0.1/"


def test_password_from_environment_and_never_in_redacted_url(monkeypatch) -> None:
    monkeypatch.setenv(ENV_PASSWORD, "s3cr:et")
    url = resolve("amqps://ops@mq.site:5671/plant")
    assert url == "amqps://ops:s3cr%3Aet@mq.site:5671/plant"
    assert "s3cr" not in redact(url) and redact(url) == "amqps://ops:***@mq.site:5671/plant"


def test_missing_password_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_PASSWORD, raising=False)
    monkeypatch.setattr("workers.bus.config._keyring_password", lambda user: None)
    with pytest.raises(BrokerConfigError, match="no password for broker user 'ops'"):
        resolve("amqp://ops@mq.site/")


def test_bad_scheme() -> None:
    with pytest.raises(BrokerConfigError, match="must start with amqp:// or amqps://"):
        resolve("http://mq.site/")
