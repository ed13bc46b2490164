"""Chaos on a 3-node cluster with quorum queues: nodes killed, stopped, cut off, queues deleted,
the whole broker gone. Each test is bounded in time and checks that nothing the broker confirmed
is lost. The real analytics worker and the detector's FactOutbox where counts are concerned."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aio_pika
import pytest

from tests.rabbit_cluster import Cluster
from tests.rabbit_util import purge_namespace
from tests.tcp_proxy import TcpProxy
from tests.test_counts_survive_rabbit import Analytics, produce, stored, wait_stored
from workers.bus import Delivery, PublishError
from workers.bus.outbox import FactOutbox
from workers.bus.rabbit import RabbitBus
from workers.contracts import SystemEvent
from workers.storage import Database, upgrade
from workers.topology import Topology

pytestmark = [pytest.mark.cluster, pytest.mark.slow, pytest.mark.timeout(240)]


class Site:
    """A detector's outbox and the analytics worker (a process of its own) on the cluster."""

    def __init__(self, cluster: Cluster, namespace: str, tmp: Path):
        self.cluster, self.tmp = cluster, tmp
        self.topology = Topology(namespace, queue_type="quorum")
        self.db_url = f"sqlite+aiosqlite:///{tmp / 'analytics.db'}"
        self.db = Database(self.db_url)
        self.producer = RabbitBus(cluster.url, self.topology, source="detector-under-test")
        self.outbox = FactOutbox(self.producer, tmp / "outbox" / "detector.sqlite")

    def analytics(self, *first_nodes: int) -> Analytics:
        return Analytics(self.topology.namespace, self.db_url, self.tmp / "analytics.log",
                         self.cluster.url_from(*first_nodes), "--quorum")

    async def stored_all(self, events: int, analytics: Analytics, timeout: float = 120) -> None:
        try:  # every fact confirmed at last
            await asyncio.wait_for(self.outbox.sent(), timeout)
        except TimeoutError:
            pytest.fail(f"the outbox still holds facts: {self.outbox.stats()}")
        await wait_stored(self.db, events, timeout, analytics)
        await asyncio.sleep(1.0)  # a late duplicate would show now
        rows, distinct = await stored(self.db)
        assert rows == distinct == events, f"{rows} rows, {distinct} distinct, {events} sent"


@pytest.fixture
async def site(cluster: Cluster, namespace: str, tmp_path: Path) -> AsyncIterator[Site]:
    s = Site(cluster, namespace, tmp_path)
    await upgrade(s.db)
    await s.producer.start()  # declares the topology, quorum queues led by the node it is on
    await s.outbox.start()
    try:
        yield s
    finally:
        await s.outbox.close()
        await s.producer.close()
        await s.db.dispose()
        cluster.all_up()
        await purge_namespace(cluster.node_url(1), s.topology)


async def test_the_node_leading_the_count_queue_killed_under_load_loses_no_count(site: Site) -> None:
    t = site.topology
    leader = site.cluster.leader(t.count_events)
    analytics = site.analytics(leader)  # on the node that dies, like the detector's outbox
    analytics.start()
    try:
        load = asyncio.create_task(produce(site.outbox, 0, 2400, per_s=200))  # 12 s of counts
        await wait_stored(site.db, 300, 60, analytics)
        site.cluster.kill(leader)
        events = await asyncio.wait_for(load, 120)
        # a new leader on the two nodes left; both processes reconnected to one of them
        assert site.cluster.leader(t.count_events) != leader
        await site.stored_all(events, analytics)
        assert site.outbox.published == 2400
    finally:
        analytics.stop()


async def test_the_node_a_worker_is_on_stopped_and_restarted_loses_no_count(site: Site) -> None:
    analytics = site.analytics(2)  # analytics on node 2; the detector's outbox on node 1
    analytics.start()
    try:
        events = await produce(site.outbox, 0, 200, per_s=200)
        await wait_stored(site.db, events, 60, analytics)
        await asyncio.to_thread(site.cluster.stop_node, 2)
        events += await produce(site.outbox, 200, 600, per_s=200)
        await wait_stored(site.db, events, 60, analytics)  # still storing: it moved on
        await asyncio.to_thread(site.cluster.start_node, 2)
        events += await produce(site.outbox, 800, 400, per_s=200)
        await site.stored_all(events, analytics)
    finally:
        analytics.stop()


async def consumer_count(url: str, queue: str) -> int:
    conn = await aio_pika.connect(url)
    try:
        q = await (await conn.channel()).declare_queue(queue, passive=True)
        return q.declaration_result.consumer_count or 0
    finally:
        await conn.close()


async def eventually(check, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.2)


def event(i: int) -> SystemEvent:
    return SystemEvent(event_type="health", source="chaos", data={"i": i})


async def test_a_network_cut_longer_than_the_heartbeat_is_noticed_and_everything_resumes(
        cluster: Cluster, namespace: str) -> None:
    """aio-pika's known failure modes do not happen here: the consumer comes back (#231), the
    channels are restored (#563, #577), and a publish during the cut fails in bounded time
    instead of hanging until the connection returns (#636)."""
    t = Topology(namespace, queue_type="quorum")
    proxy = TcpProxy("127.0.0.1", cluster.port(1))
    await proxy.start()
    # the worker reaches the broker only through the proxy; heartbeats every second
    worker = RabbitBus(f"amqp://guest:guest@127.0.0.1:{proxy.port}/?heartbeat=2", t,
                       source="cut-off-worker", publish_timeout=3)
    other = RabbitBus(cluster.url_from(2), t, source="other-side")
    states: list[str] = []
    worker.on_state(states.append)
    got: set[str] = set()

    async def handle(msg: SystemEvent, d: Delivery) -> None:
        got.add(msg.message_id)

    try:
        await worker.start()
        await other.start()
        await worker.consume(t.email_queue, handle, model=SystemEvent, prefetch=10)
        sent = [event(i) for i in range(20)]
        for m in sent[:10]:
            await other.publish("", t.email_queue, m)
        await eventually(lambda: _ready(got >= {m.message_id for m in sent[:10]}), 30, "before")

        await proxy.partition()
        # while cut off (not yet noticed, then reconnecting) a publish fails, it does not hang
        with pytest.raises(PublishError):
            await asyncio.wait_for(worker.publish("", t.email_queue, event(99)), 30)
        for m in sent[10:]:
            await other.publish("", t.email_queue, m)  # the cluster goes on without it
        await eventually(lambda: _ready("reconnecting" in states), 60, f"never noticed: {states}")
        await proxy.heal()

        await eventually(lambda: _ready(states[-1] == "connected"), 60, f"no reconnect: {states}")
        # its consumer is back (exactly one: not lost, not doubled) and takes what came meanwhile
        await eventually(lambda: _ready(got >= {m.message_id for m in sent}), 60,
                         f"consumer did not resume: {len(got)} of {len(sent)}")
        assert await consumer_count(cluster.node_url(2), t.email_queue) == 1
        # its publishing channel works again
        back = event(100)
        await asyncio.wait_for(worker.publish("", t.email_queue, back), 30)
        await eventually(lambda: _ready(back.message_id in got), 30, "publish after the cut")
    finally:
        await worker.close()
        await other.close()
        await proxy.cut()
        await purge_namespace(cluster.node_url(1), t)


async def _ready(value: bool) -> bool:
    return value


async def test_a_queue_deleted_under_its_consumer_is_declared_again_and_consumed(
        cluster: Cluster, namespace: str) -> None:
    """aio-pika #334: the broker cancels the consumer of a deleted queue. Ours declares the queue
    again (same arguments and bindings) and consumes on: a message sent after is handled."""
    t = Topology(namespace, queue_type="quorum")
    worker = RabbitBus(cluster.url_from(1), t, source="worker")
    other = RabbitBus(cluster.url_from(3), t, source="producer")
    got: set[str] = set()

    async def handle(msg: SystemEvent, d: Delivery) -> None:
        got.add(msg.message_id)

    try:
        await worker.start()
        await other.start()
        await worker.consume(t.email_queue, handle, model=SystemEvent)
        first = event(1)
        await other.publish("", t.email_queue, first)
        await eventually(lambda: _ready(first.message_id in got), 30, "before")

        conn = await aio_pika.connect(cluster.node_url(3))
        await (await conn.channel()).queue_delete(t.email_queue)
        await conn.close()

        after = event(2)

        async def delivered() -> bool:
            try:  # refused (no such queue) until the worker has declared it again
                await other.publish("", t.email_queue, after)
            except PublishError:
                return False
            return True

        await eventually(delivered, 60, "the queue was never declared again")
        await eventually(lambda: _ready(after.message_id in got), 30, "the consumer did not resume")
        assert await consumer_count(cluster.node_url(2), t.email_queue) == 1
    finally:
        await worker.close()
        await other.close()
        await purge_namespace(cluster.node_url(1), t)


async def test_a_frame_queue_lost_with_its_node_is_declared_on_a_live_one(
        cluster: Cluster, namespace: str) -> None:
    """Live queues are classic and not durable on a cluster: they vanish with their node, and the
    detector declares its camera's queue again on a node that is up (a durable one would be
    refused until its node came back)."""
    t = Topology(namespace, queue_type="quorum")
    detector = RabbitBus(cluster.url_from(3, 1), t, source="detector")  # the queue lives on 3
    camera = RabbitBus(cluster.url_from(1), t, source="camera")
    got: list[str] = []

    async def handle(msg: SystemEvent, d: Delivery) -> None:
        got.append(msg.message_id)

    try:
        await detector.start()
        await camera.start()
        spec = t.frame_queue("cam-1")
        await detector.consume(spec, handle, model=SystemEvent)
        before = event(1)
        await camera.publish(t.camera_events, t.frame_key("cam-1"), before)
        await eventually(lambda: _ready(before.message_id in got), 30, "before")

        cluster.kill(3)
        after = event(2)

        async def delivered() -> bool:
            try:
                await camera.publish(t.camera_events, t.frame_key("cam-1"), after)
            except PublishError:  # unroutable until the queue is declared again
                return False
            return True

        await eventually(delivered, 90, "the frame queue was never declared again")
        await eventually(lambda: _ready(after.message_id in got), 30, "the detector did not resume")
    finally:
        await detector.close()
        await camera.close()
        cluster.all_up()
        await purge_namespace(cluster.node_url(1), t, [t.frame_queue("cam-1").name])


async def test_publishing_while_the_broker_is_gone_fails_in_bounded_time_and_the_outbox_resends(
        cluster: Cluster, namespace: str, tmp_path: Path) -> None:
    """Every node out of reach: a publish waits at most publish_timeout and raises; the outbox
    keeps what was not confirmed and sends it, in order, once a node is back."""
    t = Topology(namespace, queue_type="quorum")
    proxies = [TcpProxy("127.0.0.1", cluster.port(n)) for n in (1, 2)]
    for p in proxies:
        await p.start()
    url = "amqp://guest:guest@" + ",".join(f"127.0.0.1:{p.port}" for p in proxies) + "/"
    bus = RabbitBus(url, t, source="detector", publish_timeout=3)
    outbox = FactOutbox(bus, tmp_path / "outbox.sqlite")
    reader = RabbitBus(cluster.url_from(3), t, source="analytics")
    got: list[str] = []

    async def handle(msg: SystemEvent, d: Delivery) -> None:
        got.append(msg.message_id)

    try:
        await bus.start()
        await outbox.start()
        await reader.start()
        await reader.consume(t.email_queue, handle, model=SystemEvent)
        sent = [event(i) for i in range(30)]
        for m in sent[:10]:
            assert await outbox.put("", t.email_queue, m)  # confirmed
        for p in proxies:
            await p.cut()
        with pytest.raises(PublishError):  # the caller is told, in bounded time
            await asyncio.wait_for(bus.publish("", t.email_queue, event(99)), 30)
        for m in sent[10:]:
            assert not await asyncio.wait_for(outbox.put("", t.email_queue, m), 30)  # kept
        assert outbox.stats()["facts_buffered"] == 20
        await proxies[1].start()  # one node reachable again
        await asyncio.wait_for(outbox.sent(), 90)
        await eventually(lambda: _ready(len(got) >= len(sent)), 30, f"{len(got)} of {len(sent)}")
        assert sorted(got) == sorted(m.message_id for m in sent)  # each once
        assert got[10:] == [m.message_id for m in sent[10:]]  # the kept ones in order
    finally:
        await outbox.close()
        await bus.close()
        await reader.close()
        for p in proxies:
            if p._server is not None and p._server.is_serving():
                await p.cut()
        await purge_namespace(cluster.node_url(3), t)
