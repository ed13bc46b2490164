"""Facts the broker cannot take are kept on disk and delivered once it can: a broker that is
away, a fact queue that is full, a producer that restarted in between."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.helpers.services import BROKER_URL
from tests.rabbit_util import purge_namespace
from tests.tcp_proxy import TcpProxy
from workers.bus import Delivery
from workers.bus.outbox import FactOutbox
from workers.bus.rabbit import RabbitBus
from workers.contracts import CountEvent, CountEvents, utcnow
from workers.topology import Binding, QueueSpec, Topology

pytestmark = pytest.mark.rabbit


def facts(n: int) -> CountEvents:
    return CountEvents(camera_id="door", frame_id=f"f-{n}", frame_timestamp=utcnow(), events=[
        CountEvent(kind="line", shape_id="door", direction="in", class_name="person",
                   track_id=n, at=utcnow())])


def journal_rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM outbox").fetchone()[0]


async def received_tracks(bus: RabbitBus, queue: str | QueueSpec, n: int,
                          timeout: float = 30) -> list[int]:
    got: list[int] = []
    all_in = asyncio.Event()

    async def handle(m: CountEvents, _: Delivery) -> None:
        got.append(m.events[0].track_id)
        if len(got) >= n:
            all_in.set()

    sub = await bus.consume(queue, handle, model=CountEvents)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(all_in.wait(), timeout)
    await asyncio.sleep(0.3)  # nothing more, no duplicate, arrives
    await sub.cancel()
    return got


@pytest.fixture
async def reader(namespace: str):
    bus = RabbitBus(BROKER_URL, Topology(namespace), source="reader")
    await bus.start()
    yield bus
    await bus.close()
    await purge_namespace(BROKER_URL, bus.topology, [bus.topology.name("small.facts")])


async def proxied_bus(namespace: str, proxy: TcpProxy) -> RabbitBus:
    parts = urlsplit(BROKER_URL)
    url = urlunsplit(parts._replace(netloc=f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}"))
    bus = RabbitBus(url, Topology(namespace), source="producer", publish_timeout=2.0)
    await bus.start()
    return bus


async def test_facts_counted_while_the_broker_is_away_wait_on_disk_and_arrive_once(
        reader: RabbitBus, namespace: str, tmp_path: Path) -> None:
    broker = urlsplit(BROKER_URL)
    proxy = TcpProxy(broker.hostname or "127.0.0.1", broker.port or 5672)
    await proxy.start()
    producer = await proxied_bus(namespace, proxy)
    path = tmp_path / "outbox" / "detector-1.sqlite"
    outbox = FactOutbox(producer, path, name="detector-1")
    await outbox.start()
    t = producer.topology
    try:
        assert await outbox.put(t.camera_events, t.counts_key("door"), facts(0))
        await proxy.cut()  # the broker goes away
        sent = [await outbox.put(t.camera_events, t.counts_key("door"), facts(i))
                for i in range(1, 41)]
        assert sent == [False] * 40  # none lost, none confirmed: every one is on disk
        assert outbox.stats()["facts_buffered"] == 40 and journal_rows(path) == 40
        assert "broker" in outbox.stats()["facts_error"]
        await proxy.start()  # back
        got = await received_tracks(reader, t.count_events, 41)
        assert got == list(range(41))  # each once, in the order counted
        assert outbox.stats()["facts_buffered"] == 0 and journal_rows(path) == 0
    finally:
        await outbox.close()
        await producer.close()
        await proxy.cut()


async def test_a_full_fact_queue_refuses_and_the_outbox_holds_until_it_drains(
        reader: RabbitBus, tmp_path: Path) -> None:
    t = reader.topology
    small = QueueSpec(t.name("small.facts"), t.fact_arguments(cap=5),
                      (Binding(t.camera_events, "camera.counts.small"),))
    await reader.declare_queue(small)
    outbox = FactOutbox(reader, tmp_path / "producer.sqlite")
    await outbox.start()
    try:
        sent = [await outbox.put(t.camera_events, "camera.counts.small", facts(i))
                for i in range(8)]
        assert sent == [True] * 5 + [False] * 3  # the broker nacked what did not fit
        assert outbox.stats()["facts_buffered"] == 3
        # analytics catches up: the queue drains, the outbox sends the rest behind it
        assert await received_tracks(reader, small, 8) == list(range(8))
    finally:
        await outbox.close()


async def test_a_producer_restarted_under_a_new_id_sends_what_the_last_run_left(
        reader: RabbitBus, namespace: str, tmp_path: Path) -> None:
    broker = urlsplit(BROKER_URL)
    proxy = TcpProxy(broker.hostname or "127.0.0.1", broker.port or 5672)
    await proxy.start()
    producer = await proxied_bus(namespace, proxy)
    t = producer.topology
    first = FactOutbox(producer, tmp_path / "detector-host-101.sqlite")
    await first.start()
    await proxy.cut()
    for i in range(5):
        assert not await first.put(t.camera_events, t.counts_key("door"), facts(i))
    await first.close()  # the process ends during the outage
    await producer.close()
    await proxy.cut()

    second = FactOutbox(reader, tmp_path / "detector-host-202.sqlite")  # pid changed
    await second.start()
    try:
        assert await received_tracks(reader, t.count_events, 5) == list(range(5))
        assert not (tmp_path / "detector-host-101.sqlite").exists()
    finally:
        await second.close()


async def test_a_topology_deleted_under_a_running_producer_is_declared_again_and_nothing_lost(
        reader: RabbitBus, namespace: str, tmp_path: Path) -> None:
    """An admin deletes the exchanges and queues (or a node comes back empty) while a detector
    runs: its facts wait on disk, the topology is declared again, and they arrive."""
    producer = RabbitBus(BROKER_URL, Topology(namespace), source="producer", publish_timeout=2.0)
    await producer.start()
    outbox = FactOutbox(producer, tmp_path / "detector.sqlite")
    await outbox.start()
    t = producer.topology
    try:
        await purge_namespace(BROKER_URL, t)  # everything gone, the producer still connected
        sent = [await outbox.put(t.camera_events, t.counts_key("door"), facts(i))
                for i in range(10)]
        assert sent[0] is False  # refused: no such exchange; kept
        # drained into the queue before anyone consumes it: the producer declared both again
        await asyncio.wait_for(outbox.sent(), 30)
        assert await received_tracks(reader, t.count_events, 10) == list(range(10))
    finally:
        await outbox.close()
        await producer.close()
