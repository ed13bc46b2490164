"""Helpers for tests against the real broker."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import aio_pika
import pytest
from aiormq.exceptions import ChannelClosed

from workers.topology import Topology


async def purge_namespace(url: str, topology: Topology, extra_queues: list[str] = ()) -> None:
    """Delete every queue and exchange of a test's namespace."""
    conn = await aio_pika.connect(url)
    try:
        names = [q.name for q in topology.queues] + list(extra_queues)
        for name in names:
            ch = await conn.channel()
            try:
                await ch.queue_delete(name)
            except ChannelClosed:
                continue
            await ch.close()
        for ex in topology.exchanges:
            ch = await conn.channel()
            try:
                await ch.exchange_delete(ex.name)
            except ChannelClosed:
                continue
            await ch.close()
    finally:
        await conn.close()


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


@contextmanager
def operator_account(url: str, namespace: str, *,
                     faces: bool = False) -> Iterator[tuple[str, str]]:
    """An operator account with the permissions docs/admin.md gives (for this namespace), made
    with rabbitmqctl and deleted afterwards: (its broker URL, its user name). ``faces``: with the
    "see faces" right of docs/privacy.md."""
    from camcount_desktop.admin.permissions import faces_viewer_permissions, operator_permissions

    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not on this machine: cannot create a broker account")
    user, password = f"camcount-operator-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    rabbitmqctl("add_user", user, password)
    try:
        rights = faces_viewer_permissions if faces else operator_permissions
        rabbitmqctl("set_permissions", "-p", "/", user, *rights(namespace))
        yield url.replace("guest:guest@", f"{user}:{password}@"), user
    finally:
        rabbitmqctl("delete_user", user)


@contextmanager
def traced_vhost(url: str) -> Iterator[str]:
    """A vhost of its own with RabbitMQ's firehose on: every message published in it, through
    any exchange (the default one too), is copied to ``amq.rabbitmq.trace`` as
    ``publish.{exchange}``. Yields the vhost's URL; the vhost is deleted afterwards."""
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is not on this machine: cannot make a vhost")
    vhost = f"camcount-trace-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    try:
        rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        rabbitmqctl("trace_on", "-p", vhost)
        yield f"{url.rstrip('/')}/{vhost}"
    finally:
        rabbitmqctl("delete_vhost", vhost)
