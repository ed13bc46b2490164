"""Broker addresses: which bus to use, credentials policy, and redaction for logs.

``local`` (or no address) means the in-process bus. Otherwise an ``amqp://`` or ``amqps://`` URL
with an optional vhost; the nodes of a cluster as several hosts in one URL
(``amqp://user@node1,node2:5673,node3/vhost``: one account and vhost), between which the bus
fails over. Secrets come from the URL, ``CAMCOUNT_BROKER_PASSWORD`` or the OS keyring
(service ``camcount-broker``, the URL's user name) and are never logged: use ``redact()``.
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from workers.bus.errors import BrokerConfigError

ENV_URL = "CAMCOUNT_BROKER_URL"
ENV_PASSWORD = "CAMCOUNT_BROKER_PASSWORD"
KEYRING_SERVICE = "camcount-broker"
LOCAL = "local"


def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redact(url: str) -> str:
    """The URL with its password replaced, for logs and the console."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = (parts.username or "") + ":***"
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc[-1]}"))


def node_urls(url: str) -> list[str]:
    """One URL per broker node, in the order given (a URL with one host is one node)."""
    parts = urlsplit(url)
    userinfo, at, hosts = parts.netloc.rpartition("@")
    return [urlunsplit(parts._replace(netloc=f"{userinfo}{at}{h.strip()}"))
            for h in hosts.split(",") if h.strip()]


def _keyring_password(user: str) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(KEYRING_SERVICE, user)
        except KeyringError:
            return None
    except ImportError:  # pragma: no cover - keyring is a dependency; a frozen build may drop it
        return None


def resolve(url: str | None) -> str:
    """The broker URL to use: explicit, else ``CAMCOUNT_BROKER_URL``, else ``local``.

    Fills a missing password from the environment or keyring, and refuses RabbitMQ's default
    guest account anywhere but loopback (the broker refuses it too, with a less helpful error).
    """
    url = (url or os.environ.get(ENV_URL) or LOCAL).strip()
    if url == LOCAL:
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("amqp", "amqps"):
        raise BrokerConfigError(f"broker URL must start with amqp:// or amqps://, got {redact(url)!r}")
    hosts = []
    for node in node_urls(url):
        node_parts = urlsplit(node)
        try:
            node_parts.port  # noqa: B018 - urlsplit checks the port only when asked for it
        except ValueError:
            raise BrokerConfigError(f"broker URL has a bad port: {redact(url)!r}") from None
        if not node_parts.hostname:
            raise BrokerConfigError(f"broker URL has no host: {redact(url)!r}")
        hosts.append(node_parts.hostname)
    if not hosts:
        raise BrokerConfigError(f"broker URL has no host: {redact(url)!r}")
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if user and password is None:
        password = os.environ.get(ENV_PASSWORD) or _keyring_password(user)
        if password is None:
            raise BrokerConfigError(
                f"no password for broker user {user!r}: put it in {ENV_PASSWORD} or the OS "
                f"keyring (service {KEYRING_SERVICE!r})")
        host = parts.netloc.rsplit("@", 1)[-1]
        url = urlunsplit(parts._replace(netloc=f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"))
    remote = [h for h in hosts if not _is_loopback(h)]
    if remote and user in (None, "guest"):
        raise BrokerConfigError(
            f"refusing the default guest account on {remote[0]}: RabbitMQ allows guest only "
            "on loopback. Give a user in the URL (amqp://user@host/vhost) and its password in "
            f"{ENV_PASSWORD} or the keyring.")
    return url


def connection_name(role: str) -> str:
    """A name RabbitMQ's management UI shows for our connection: role and host."""
    import socket

    return f"camcount-{role}@{socket.gethostname()}"
