"""Shared fixtures: real services when reachable, clear skips when not.

``scripts/test.sh`` exports CAMCOUNT_REQUIRE_SERVICES for the services it brought up; a test of
such a service fails rather than skips if the service then cannot be reached.
"""

from __future__ import annotations

import os
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from functools import cache
from urllib.parse import urlsplit

import pytest

from tests.helpers.buses import close_bus, start_bus
from tests.helpers.services import BROKER_URL, POSTGRES_URL, REQUIRED
from tests.rabbit_cluster import Cluster, no_cluster
from workers.bus import Bus

# Local mode and the workers keep their database, reports and settings in the user data folder;
# tests (and the workers they start as subprocesses) get a folder of their own instead.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="camcount-test-data-")
# Commands speak the terminal's language (workers.i18n.cli_language): the tests read English
# whatever the locale of the machine running them, unless a test asks for another.
os.environ["CAMCOUNT_LANGUAGE"] = "en"



@cache
def _unreachable(url: str, default_port: int) -> str | None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    try:
        socket.create_connection((host, port), timeout=2).close()
        return None
    except OSError as exc:
        return f"{host}:{port} unreachable ({exc})"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    checks = {"rabbit": ("RabbitMQ", BROKER_URL, 5672), "postgres": ("PostgreSQL", POSTGRES_URL, 5432)}
    for item in items:
        if "cluster" in item.keywords and (why := no_cluster()):
            item.add_marker(pytest.mark.skip(reason=why))
        for marker, (service, url, port) in checks.items():
            # A service the run brought up is never skipped: if it went away, the test fails.
            if marker in item.keywords and marker not in REQUIRED and (
                    why := _unreachable(url, port)):
                item.add_marker(pytest.mark.skip(reason=f"no {service}: {why}"))


@pytest.fixture(scope="session")
def rabbit_cluster() -> Iterator[Cluster]:
    """The 3-node cluster of scripts/rabbit-cluster.sh: started when the first test marked
    ``cluster`` needs it, stopped at the end of the run."""
    cluster = Cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def cluster(rabbit_cluster: Cluster) -> Iterator[Cluster]:
    """The cluster with every node running, again after the test (which may kill one)."""
    rabbit_cluster.all_up()
    yield rabbit_cluster
    rabbit_cluster.all_up()


@pytest.fixture
def namespace() -> str:
    """A prefix for every exchange and queue of one test, so runs never collide."""
    return f"test-{uuid.uuid4().hex[:10]}."


@pytest.fixture(params=["inprocess", pytest.param("rabbit", marks=pytest.mark.rabbit)])
async def bus(request: pytest.FixtureRequest, namespace: str) -> AsyncIterator[Bus]:
    """A started bus in the test's namespace, once per transport; on RabbitMQ the namespace is
    deleted after the test."""
    b = await start_bus(request.param, namespace, "test")
    try:
        yield b
    finally:
        await close_bus(b)


@pytest.fixture
async def inprocess_bus(namespace: str) -> AsyncIterator[Bus]:
    b = await start_bus("inprocess", namespace, "test")
    try:
        yield b
    finally:
        await close_bus(b)
