"""Counts survive an analytics outage and an overload: the real analytics worker, a process of
its own, over the real broker, fed count events the way a detector publishes them."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aio_pika
import pytest
import sqlalchemy as sa

from tests.helpers.services import BROKER_URL
from tests.rabbit_util import purge_namespace
from workers.bus.outbox import FactOutbox
from workers.bus.rabbit import RabbitBus
from workers.contracts import CountEvent, CountEvents, utcnow
from workers.storage import Database, upgrade
from workers.storage.models import CountEventRow
from workers.topology import Topology

pytestmark = [pytest.mark.rabbit, pytest.mark.slow]


def frame_counts(n: int) -> CountEvents:
    """A frame with one to three crossings, as a busy door gives."""
    now = utcnow()
    return CountEvents(camera_id=f"cam-{n % 4}", frame_id=f"f-{n}", frame_timestamp=now,
                       zones_version=1, events=[
                           CountEvent(kind="line", shape_id="door", direction="in" if k else "out",
                                      class_name="person", track_id=n * 10 + k, at=now)
                           for k in range(1 + n % 3)])


class Analytics:
    """``camcount-worker analytics`` as a process of its own, on a SQLite file."""

    def __init__(self, namespace: str, db_url: str, log: Path, broker: str = BROKER_URL,
                 *options: str):
        self.args = [sys.executable, "-m", "workers.cli", "analytics", "--broker", broker,
                     "--namespace", namespace, "--db", db_url, *options]
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.args, stdout=out, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


async def stored(db: Database) -> tuple[int, int]:
    """Rows, and distinct events among them (message, track, direction)."""
    async with db.sessions() as session:
        e = CountEventRow.__table__.c
        rows = (await session.execute(sa.select(sa.func.count()).select_from(
            CountEventRow.__table__))).scalar_one()
        distinct = (await session.execute(sa.select(sa.func.count()).select_from(
            sa.select(e.message_id, e.track_id, e.direction).distinct().subquery()))).scalar_one()
    return rows, distinct


async def wait_stored(db: Database, n: int, timeout: float, analytics: Analytics) -> None:
    deadline = time.monotonic() + timeout
    while (await stored(db))[0] < n:
        assert analytics.proc is not None and analytics.proc.poll() is None, \
            analytics.log.read_text()[-3000:]
        assert time.monotonic() < deadline, f"only {await stored(db)} of {n} stored"
        await asyncio.sleep(0.2)


@pytest.fixture
async def site(namespace: str, tmp_path: Path) -> AsyncIterator[tuple[FactOutbox, Database, Analytics]]:
    producer = RabbitBus(BROKER_URL, Topology(namespace), source="detector-under-test")
    await producer.start()  # declares the topology: the count queue exists from now on
    outbox = FactOutbox(producer, tmp_path / "outbox" / "detector.sqlite")
    await outbox.start()
    url = f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}"
    db = Database(url)
    await upgrade(db)
    analytics = Analytics(namespace, url, tmp_path / "analytics.log")
    try:
        yield outbox, db, analytics
    finally:
        analytics.stop()
        await outbox.close()
        await producer.close()
        await db.dispose()
        await purge_namespace(BROKER_URL, producer.topology)


async def produce(outbox: FactOutbox, start: int, count: int, per_s: float) -> int:
    """Publish ``count`` frames' counts at a steady rate; returns their events."""
    t = outbox.bus.topology
    t0, events = time.monotonic(), 0
    for i in range(start, start + count):
        facts = frame_counts(i)
        await outbox.put(t.camera_events, t.counts_key(facts.camera_id), facts)
        events += len(facts.events)
        ahead = (i - start + 1) / per_s - (time.monotonic() - t0)
        if ahead > 0:
            await asyncio.sleep(ahead)
    return events


async def test_counts_published_while_analytics_is_down_and_killed_are_each_stored_once(
        site: tuple[FactOutbox, Database, Analytics]) -> None:
    outbox, db, analytics = site
    # Analytics is not running: a steady 300 frames/s of counts for 8 s wait in the broker
    # (more than the 2,000 the seed's results queue held before dropping the oldest).
    events = await produce(outbox, 0, 2400, per_s=300)
    assert outbox.stats()["facts_buffered"] == 0  # the broker confirmed every one
    analytics.start()
    # It works off the backlog while counts keep coming; killed -9 in the middle of it.
    more = asyncio.create_task(produce(outbox, 2400, 1500, per_s=300))
    await wait_stored(db, 500, 60, analytics)
    analytics.kill()
    events += await more
    analytics.start()
    await wait_stored(db, events, 90, analytics)
    await asyncio.sleep(1.0)
    rows, distinct = await stored(db)
    assert rows == distinct == events  # every count stored, none twice


async def ready_in(url: str, queue: str) -> int:
    """Exact messages ready in a queue (the HTTP API's figures lag by seconds)."""
    conn = await aio_pika.connect(url)
    try:
        ch = await conn.channel()
        q = await ch.declare_queue(queue, passive=True)
        return q.declaration_result.message_count or 0
    finally:
        await conn.close()


async def test_a_burst_while_analytics_stalls_loses_nothing_and_the_backlog_drains(
        site: tuple[FactOutbox, Database, Analytics]) -> None:
    """Analytics stalls (stopped, as by a long database lock or a swapped-out machine) while
    12,000 frames' counts arrive as fast as the broker confirms them: they wait, all of them,
    and drain once it runs again."""
    outbox, db, analytics = site
    analytics.start()
    bus, t = outbox.bus, outbox.bus.topology
    await outbox.put(t.camera_events, t.counts_key("cam-0"), frame_counts(0))
    await wait_stored(db, 1, 30, analytics)  # running and consuming
    assert analytics.proc is not None
    analytics.proc.send_signal(signal.SIGSTOP)
    try:
        burst = [frame_counts(i) for i in range(1, 12_001)]
        for i in range(0, len(burst), 256):  # 256 in flight, each confirmed
            await asyncio.gather(*(bus.publish(t.camera_events, t.counts_key(f.camera_id), f)
                                   for f in burst[i:i + 256]))
        backlog = await ready_in(BROKER_URL, t.count_events)
        assert backlog >= 12_000 - 1_000  # all but what analytics had prefetched
    finally:
        analytics.proc.send_signal(signal.SIGCONT)
    events = 1 + sum(len(f.events) for f in burst)
    await wait_stored(db, events, 120, analytics)
    rows, distinct = await stored(db)
    assert rows == distinct == events
    assert await ready_in(BROKER_URL, t.count_events) == 0
