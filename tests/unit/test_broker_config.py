from __future__ import annotations

import pytest

from workers.bus import BrokerConfigError, InProcessBus, create_bus
from workers.bus.config import ENV_PASSWORD, node_urls, redact, resolve


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


def test_a_cluster_is_several_hosts_in_one_url_each_held_to_the_same_rules(monkeypatch) -> None:
    monkeypatch.setenv(ENV_PASSWORD, "s3cr:et")
    url = resolve("amqps://ops@mq1.site:5671,mq2.site,mq3.site:5673/plant")
    assert url == "amqps://ops:s3cr%3Aet@mq1.site:5671,mq2.site,mq3.site:5673/plant"
    assert node_urls(url) == ["amqps://ops:s3cr%3Aet@mq1.site:5671/plant",
                              "amqps://ops:s3cr%3Aet@mq2.site/plant",
                              "amqps://ops:s3cr%3Aet@mq3.site:5673/plant"]
    assert redact(url) == "amqps://ops:***@mq1.site:5671,mq2.site,mq3.site:5673/plant"
    # guest is refused if any node is off loopback
    with pytest.raises(BrokerConfigError, match="guest account on mq2.site"):
        resolve("amqp://guest:guest@127.0.0.1:5781,mq2.site/")
    local = "amqp://guest:guest@127.0.0.1:5781,localhost:5782/"
    assert resolve(local) == local and len(node_urls(local)) == 2
    with pytest.raises(BrokerConfigError, match="bad port"):
        resolve("amqp://ops:pw@mq1.site:56x2,mq2.site/")
    with pytest.raises(BrokerConfigError, match="no host"):
        resolve("amqp://ops:pw@mq1.site,:5672/")
