"""Count event storage over RabbitMQ, and the console's 30-day query, on SQLite and PostgreSQL.

    python bench/ingest.py      # RabbitMQ at $CAMCOUNT_TEST_BROKER, PostgreSQL at
                                # $CAMCOUNT_TEST_POSTGRES (defaults: guest@127.0.0.1, postgres@127.0.0.1/test)

Per database (SQLite: a file in a temporary folder; PostgreSQL: a database created for the run
and dropped after):
1. unbatched baseline: one transaction per count-events message, one after another (what a
   handler that commits its own message does), at 1 and at 4 events per message;
2. over RabbitMQ, the path users run: the real analytics worker (``camcount-worker analytics``, a
   process of its own) started on a backlog of count-events messages in ``camera.count.events``,
   as after an analytics outage; rate = events stored / (last stored - first stored), read from
   the database. Once with 1 event per message (a quiet door: the most messages per event) and
   once with 4 (a busy entrance);
3. a 30-day hourly series for one camera (~43,000 events), asked over request/reply on the
   in-process bus as the console does: read from aggregates (after one aggregation job), and
   counted live from the events (before it) for comparison.
Goals: >= 5,000 count events/s through RabbitMQ at 1 event per message; a 30-day hourly query
answered in < 200 ms. Ends with one line of JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from workers.analytics import AnalyticsClient  # noqa: E402
from workers.analytics.aggregation import Aggregator, aggregation_job  # noqa: E402
from workers.analytics.buckets import bucket_start  # noqa: E402
from workers.analytics.ingest import Ingestor, event_rows  # noqa: E402
from workers.analytics.queries import QueryService  # noqa: E402
from workers.bus import InProcessBus  # noqa: E402
from workers.bus.rabbit import RabbitBus  # noqa: E402
from workers.contracts import CountEvent, CountEvents, utcnow  # noqa: E402
from workers.contracts.queries import AnalyticsRequest  # noqa: E402
from workers.runtime import run  # noqa: E402
from workers.storage import Database, upgrade  # noqa: E402
from workers.storage.events import count_stored  # noqa: E402
from workers.topology import Topology  # noqa: E402

BROKER = os.environ.get("CAMCOUNT_TEST_BROKER", "amqp://guest:guest@127.0.0.1/")
POSTGRES = os.environ.get("CAMCOUNT_TEST_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1/test")
TZ = "Europe/Berlin"
N_UNBATCHED = 500
N_RABBIT_EVENTS = 40_000
CAMERAS = 16
QUERY_DAYS = 30
EVENTS_PER_HOUR = 60
QUERY_RUNS = 20
GOAL_EVENTS_PER_S = 5_000
GOAL_QUERY_MS = 200


def counts(camera: str, i: int, base, per_message: int) -> CountEvents:
    at = base + timedelta(milliseconds=i)
    events = [CountEvent(kind="line" if k % 2 == 0 else "zone", shape_id=f"shape-{k % 2}",
                         direction="in" if k < 2 else "out", class_name="person",
                         track_id=i * 10 + k, at=at, dwell_seconds=3.5 if k == 3 else None)
              for k in range(per_message)]
    return CountEvents(camera_id=camera, frame_id=f"f{i}", frame_timestamp=at, zones_version=1,
                       events=events)


async def unbatched(db: Database, per_message: int) -> float:
    ingestor = Ingestor(db)
    base = utcnow() - timedelta(days=per_message)
    messages = [counts(f"cam-{i % CAMERAS}", i, base, per_message) for i in range(N_UNBATCHED)]
    start = time.perf_counter()
    for m in messages:
        await ingestor.write(event_rows(m, None, utcnow()))
    return N_UNBATCHED * per_message / (time.perf_counter() - start)


async def over_rabbitmq(db: Database, per_message: int) -> float:
    """Preload a backlog, start the real analytics worker on it, time the drain."""
    topology = Topology(f"bench-{uuid.uuid4().hex[:8]}.")
    bus = RabbitBus(BROKER, topology, source="bench-ingest")
    await bus.start()
    n = N_RABBIT_EVENTS // per_message
    base = utcnow()  # current events: nothing is late, as in steady operation
    t = topology
    try:
        sem = asyncio.Semaphore(256)

        async def send(i: int) -> None:
            async with sem:
                m = counts(f"cam-{i % CAMERAS}", i, base, per_message)
                await bus.publish(t.camera_events, t.counts_key(m.camera_id), m)

        await asyncio.gather(*(send(i) for i in range(n)))
        async with db.sessions() as session:
            before = await count_stored(session)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "workers.cli", "analytics", "--broker", BROKER,
            "--namespace", t.namespace, "--db", db.url.render_as_string(hide_password=False),
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            first: tuple[float, int] | None = None
            while True:
                async with db.sessions() as session:
                    stored = await count_stored(session) - before
                now = time.perf_counter()
                if stored and first is None:
                    first = (now, stored)
                if stored >= n * per_message:
                    break
                if proc.returncode is not None:
                    raise RuntimeError(f"the analytics worker exited with {proc.returncode}")
                await asyncio.sleep(0.05)
            assert first is not None
            return (stored - first[1]) / max(now - first[0], 1e-6)
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 60)
    finally:
        await bus.close()
        await delete_namespace(topology)


async def delete_namespace(topology: Topology) -> None:
    import aio_pika

    conn = await aio_pika.connect(BROKER)
    try:
        for name in [q.name for q in topology.queues] + [topology.name("analytics.camera.control")]:
            ch = await conn.channel()
            await ch.queue_delete(name)
        for ex in topology.exchanges:
            ch = await conn.channel()
            await ch.exchange_delete(ex.name)
    finally:
        await conn.close()


async def query_month(db: Database) -> dict[str, float]:
    """Store 30 days of events for one camera, then time the hourly series before and after
    aggregating them."""
    end = bucket_start("hourly", utcnow(), ZoneInfo(TZ))
    start = end - timedelta(days=QUERY_DAYS)
    rng = random.Random(7)
    rows: list[dict[str, Any]] = []
    hours = QUERY_DAYS * 24
    for h in range(hours):
        for k in range(EVENTS_PER_HOUR):
            at = start + timedelta(hours=h, seconds=rng.uniform(0, 3599))
            rows.append({"message_id": f"m{h}-{k}", "trace_id": None, "camera_id": "cam-month",
                         "zones_version": 1, "kind": "line", "shape_id": f"door-{k % 2}",
                         "direction": "in" if k % 3 else "out", "class_name": "person",
                         "track_id": k, "at": at, "dwell_seconds": None, "received_at": at})
    ingestor = Ingestor(db)
    for i in range(0, len(rows), 5_000):
        await ingestor.write(rows[i:i + 5_000])

    bus = InProcessBus(source="bench")
    await bus.start()
    await bus.serve(bus.topology.rpc_analytics, QueryService(db, TZ).handle, model=AnalyticsRequest)
    client = AnalyticsClient(bus, timeout=30)

    async def timed(runs: int) -> list[float]:
        out = []
        for _ in range(runs):
            t0 = time.perf_counter()
            reply = await client.series(camera_id="cam-month", period="hourly", start=start, end=end)
            out.append((time.perf_counter() - t0) * 1000)
            assert len(reply.points) == hours and reply.total_in + reply.total_out == len(rows)
        return out

    live = await timed(3)
    t0 = time.perf_counter()
    await Aggregator(db, TZ, timedelta(minutes=1)).run(
        aggregation_job("cam-month", "hourly", TZ, start, end))
    aggregate_s = time.perf_counter() - t0
    cached = await timed(QUERY_RUNS)
    await bus.close()
    return {"events": len(rows), "aggregate_30d_s": round(aggregate_s, 2),
            "query_ms_median": round(statistics.median(cached), 1),
            "query_ms_max": round(max(cached), 1),
            "query_live_ms_median": round(statistics.median(live), 1)}


@asynccontextmanager
async def database(kind: str) -> AsyncIterator[Database]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
            try:
                await upgrade(db)
                yield db
            finally:
                await db.dispose()
        return
    name = f"camcount_bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        db = Database(sa.make_url(POSTGRES).set(database=name).render_as_string(hide_password=False))
        try:
            await upgrade(db)
            yield db
        finally:
            await db.dispose()
            async with admin.connect() as conn:
                await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def bench(kind: str) -> dict[str, Any]:
    async with database(kind) as db:
        base1, base4 = await unbatched(db, 1), await unbatched(db, 4)
        one = await over_rabbitmq(db, 1)
        load = os.getloadavg()[0]  # the machine is shared: its 1-minute load over that run
        four = await over_rabbitmq(db, 4)
        async with db.sessions() as session:
            stored = await count_stored(session)
        assert stored == N_UNBATCHED * 5 + 2 * N_RABBIT_EVENTS, stored
        month = await query_month(db)
    return {"unbatched_events_per_s_1": round(base1), "unbatched_events_per_s_4": round(base4),
            "rabbitmq_events_per_s_1": round(one), "rabbitmq_events_per_s_4": round(four),
            "ratio_1": round(one / base1, 1), "ratio_4": round(four / base4, 1),
            "load_avg_1": round(load, 1), **month}


async def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in ("sqlite", "postgresql"):
        try:
            out[kind] = await bench(kind)
        except OSError as exc:  # no broker or no PostgreSQL here: say so rather than fail
            out[kind] = {"skipped": f"unreachable: {exc}"}
    return out


def table(results: dict[str, Any]) -> str:
    head = (f"{'store':<11} {'unbatched 1 / 4 ev/msg':>23} {'RabbitMQ 1 ev/msg':>18} "
            f"{'RabbitMQ 4 ev/msg':>18} {'load':>5} {'aggregate 30 d':>15} {'30-day hourly query':>20} "
            f"{'counted live':>13}")
    lines = [head, "-" * len(head)]
    for kind, r in results.items():
        if "skipped" in r:
            lines.append(f"{kind:<11} skipped ({r['skipped']})")
            continue
        lines.append(
            f"{kind:<11} {r['unbatched_events_per_s_1']:>11,} / {r['unbatched_events_per_s_4']:>9,} "
            f"{r['rabbitmq_events_per_s_1']:>10,} ({r['ratio_1']:>4}x) "
            f"{r['rabbitmq_events_per_s_4']:>10,} ({r['ratio_4']:>4}x) {r['load_avg_1']:>5} "
            f"{r['aggregate_30d_s']:>13} s "
            f"{r['query_ms_median']:>9} ms (max {r['query_ms_max']:>5}) "
            f"{r['query_live_ms_median']:>9} ms")
    return "\n".join(lines)


if __name__ == "__main__":
    results = run(main())
    measured = [r for r in results.values() if "skipped" not in r]
    met = bool(measured) and all(r["rabbitmq_events_per_s_1"] >= GOAL_EVENTS_PER_S
                                 and r["query_ms_max"] < GOAL_QUERY_MS for r in measured)
    print(f"{N_RABBIT_EVENTS:,} events from {CAMERAS} cameras per RabbitMQ run, drained by the "
          f"analytics worker process; ratios against the unbatched baseline of the same message "
          f"shape; load: the machine's 1-minute load average over the 1 event/message run "
          f"({os.cpu_count()} cores); 30-day hourly query: median of {QUERY_RUNS}, over the "
          f"in-process bus, time zone {TZ}")
    print(table(results))
    print(f"goals: >= {GOAL_EVENTS_PER_S:,} events/s through RabbitMQ (1 event per message), "
          f"30-day hourly query < {GOAL_QUERY_MS} ms: {'met' if met else 'NOT met'}")
    print(json.dumps({**results, "goals": {"events_per_s": GOAL_EVENTS_PER_S,
                                           "query_ms": GOAL_QUERY_MS}, "met": met}))
